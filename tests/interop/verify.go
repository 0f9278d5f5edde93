// Command verify checks a trustwatch record (log/NODE/, SPEC §12) with an implementation
// trustwatch did not write: golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog
// (Debian golang-golang-x-mod-dev). Used by tests/tlog_interop_itest.sh.
//
// usage: verify LOG_DIR VKEY [COSIGNER_VKEY...]
//
// It opens every checkpoints/SIZE and the latest checkpoint with note.Open and the verifier
// key, recomputes each tree hash from the published hash tiles (tlog.TileHashReader reading
// the C2SP tlog-tiles paths, tlog.TreeHash), hashes every entry of the entry bundles and
// checks its inclusion proof (tlog.ProveRecord / tlog.CheckRecord), and checks a consistency
// proof between each pair of consecutive checkpoints (tlog.ProveTree / tlog.CheckTree).
//
// Cosignatures (C2SP tlog-cosignature, the lines other vantage nodes add): note.NewVerifier
// knows only Ed25519 note keys (type 0x01), but note.Open takes any note.Verifier, so each
// COSIGNER_VKEY (a node's note key, whose cosigner key is the same key under type 0x04, or a
// type 0x04 key) becomes a cosignature/v1 verifier written here over crypto/ed25519: note.Open
// matches the signature lines to it by name and key hash and fails on one that does not
// verify; at least one cosignature must verify when cosigner keys are given. Without them,
// cosignature lines are unknown signatures, which note.Open leaves unverified.
//
// Build offline with Debian's layout:
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o verify ./tests/interop
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"math"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	origin string
	tree   tlog.Tree
	raw    []byte
}

// parseCheckpoint reads a C2SP tlog-checkpoint body: origin, size, base64 root hash.
func parseCheckpoint(text string) (checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return checkpoint{}, errors.New("not a checkpoint body")
	}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != lines[1] {
		return checkpoint{}, fmt.Errorf("bad tree size %q", lines[1])
	}
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return checkpoint{}, fmt.Errorf("bad root hash %q", lines[2])
	}
	var c checkpoint
	c.origin = lines[0]
	c.tree.N = n
	copy(c.tree.Hash[:], h)
	return c, nil
}

// cosigVerifier checks C2SP tlog-cosignature lines: an 8-byte big-endian time T, then the
// Ed25519 signature of "cosignature/v1\ntime T\n" followed by the checkpoint body.
type cosigVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (v cosigVerifier) Name() string    { return v.name }
func (v cosigVerifier) KeyHash() uint32 { return v.hash }
func (v cosigVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	if t > math.MaxInt64 {
		return false
	}
	m := append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), msg...)
	return ed25519.Verify(v.key, m, sig[8:])
}

// newCosigVerifier parses NAME+HASH+BASE64(type ‖ public key), type 0x01 or 0x04; the key
// hash is that of the cosigner key: SHA-256(NAME ‖ "\n" ‖ 0x04 ‖ key)[:4].
func newCosigVerifier(vkey string) (cosigVerifier, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return cosigVerifier{}, fmt.Errorf("malformed verifier key %q", vkey)
	}
	k, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(k) != 1+ed25519.PublicKeySize || (k[0] != 0x01 && k[0] != 0x04) {
		return cosigVerifier{}, fmt.Errorf("not an Ed25519 note or cosigner key: %q", vkey)
	}
	h := sha256.Sum256(append(append([]byte(parts[0]+"\n"), 0x04), k[1:]...))
	return cosigVerifier{parts[0], binary.BigEndian.Uint32(h[:4]), ed25519.PublicKey(k[1:])}, nil
}

// cosigned counts the cosignatures note.Open verified, over all checkpoints.
var cosigned int

// openCheckpoint verifies a signed checkpoint note with the verifier key and parses it.
func openCheckpoint(msg []byte, verifiers note.Verifiers) (checkpoint, error) {
	n, err := note.Open(msg, verifiers)
	if err != nil {
		return checkpoint{}, err
	}
	for _, s := range n.Sigs {
		if v, err := verifiers.Verifier(s.Name, s.Hash); err == nil {
			if _, ok := v.(cosigVerifier); ok {
				cosigned++
			}
		}
	}
	c, err := parseCheckpoint(n.Text)
	c.raw = msg
	return c, err
}

// tileReader reads hash tiles from the C2SP paths tile/L/N[.p/W]. Go's sumdb paths are
// tile/H/L/N[.p/W] with the same N encoding: the height element is dropped.
type tileReader struct{ dir string }

func (r tileReader) Height() int { return 8 }

func c2spPath(t tlog.Tile) string {
	return "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
}

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := os.ReadFile(filepath.Join(r.dir, c2spPath(t)))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (r tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

// entries reads every entry of a tree of size n from the entry bundles.
func entries(dir string, n int64) ([][]byte, error) {
	var all [][]byte
	for k := int64(0); k*256 < n; k++ {
		w := n - k*256
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: 8, L: 0, N: k, W: int(w)}
		p := "tile/entries/" + strings.TrimPrefix(t.Path(), "tile/8/0/")
		data, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			return nil, err
		}
		var got int64
		for len(data) > 0 {
			if len(data) < 2 {
				return nil, fmt.Errorf("%s: truncated", p)
			}
			l := int(binary.BigEndian.Uint16(data))
			if len(data) < 2+l {
				return nil, fmt.Errorf("%s: truncated", p)
			}
			all = append(all, data[2:2+l])
			data = data[2+l:]
			got++
		}
		if got != w {
			return nil, fmt.Errorf("%s: %d entries, want %d", p, got, w)
		}
	}
	return all, nil
}

func run(dir, vkey string, cosigners []string) error {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("verifier key: %v", err)
	}
	list := []note.Verifier{v}
	for _, c := range cosigners {
		cv, err := newCosigVerifier(c)
		if err != nil {
			return fmt.Errorf("cosigner key: %v", err)
		}
		list = append(list, cv)
	}
	verifiers := note.VerifierList(list...)

	names, err := os.ReadDir(filepath.Join(dir, "checkpoints"))
	if err != nil {
		return err
	}
	var cps []checkpoint
	for _, e := range names {
		if _, err := strconv.ParseInt(e.Name(), 10, 64); err != nil {
			continue
		}
		msg, err := os.ReadFile(filepath.Join(dir, "checkpoints", e.Name()))
		if err != nil {
			return err
		}
		c, err := openCheckpoint(msg, verifiers)
		if err != nil {
			return fmt.Errorf("checkpoints/%s: %v", e.Name(), err)
		}
		if strconv.FormatInt(c.tree.N, 10) != e.Name() {
			return fmt.Errorf("checkpoints/%s: holds size %d", e.Name(), c.tree.N)
		}
		cps = append(cps, c)
	}
	if len(cps) == 0 {
		return errors.New("no checkpoints")
	}
	sort.Slice(cps, func(i, j int) bool { return cps[i].tree.N < cps[j].tree.N })
	msg, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		return err
	}
	counted := cosigned
	latest, err := openCheckpoint(msg, verifiers)
	cosigned = counted // the latest is one of checkpoints/, counted there
	if err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	last := cps[len(cps)-1]
	if !bytes.Equal(latest.raw, last.raw) {
		return fmt.Errorf("checkpoint: size %d is not the largest published (%d)", latest.tree.N, last.tree.N)
	}
	fmt.Printf("note.Open: %d checkpoints signed by %s+%08x (origin %s)\n", len(cps), v.Name(), v.KeyHash(), last.origin)
	if len(cosigners) > 0 {
		if cosigned == 0 {
			return errors.New("no cosignature by the given cosigner keys")
		}
		fmt.Printf("note.Open: %d cosignatures (cosignature/v1) verified\n", cosigned)
	}

	// Every tree hash from the hash tiles published for its size.
	for _, c := range cps {
		thr := tlog.TileHashReader(c.tree, tileReader{dir})
		h, err := tlog.TreeHash(c.tree.N, thr)
		if err != nil {
			return fmt.Errorf("tree %d: %v", c.tree.N, err)
		}
		if h != c.tree.Hash {
			return fmt.Errorf("tree %d: tiles give %v, checkpoint says %v", c.tree.N, h, c.tree.Hash)
		}
	}
	fmt.Printf("tlog.TreeHash from the tiles: all %d tree hashes match\n", len(cps))

	// Every entry: its record hash and an inclusion proof in the latest tree.
	all, err := entries(dir, last.tree.N)
	if err != nil {
		return err
	}
	thr := tlog.TileHashReader(last.tree, tileReader{dir})
	for i, e := range all {
		p, err := tlog.ProveRecord(last.tree.N, int64(i), thr)
		if err != nil {
			return fmt.Errorf("entry %d: ProveRecord: %v", i, err)
		}
		if err := tlog.CheckRecord(p, last.tree.N, last.tree.Hash, int64(i), tlog.RecordHash(e)); err != nil {
			return fmt.Errorf("entry %d: CheckRecord: %v", i, err)
		}
	}
	fmt.Printf("tlog.CheckRecord: %d inclusion proofs verified\n", len(all))

	// Consistency between consecutive checkpoints.
	for i := 0; i+1 < len(cps); i++ {
		a, b := cps[i].tree, cps[i+1].tree
		if a.N == 0 {
			continue
		}
		p, err := tlog.ProveTree(b.N, a.N, tlog.TileHashReader(b, tileReader{dir}))
		if err != nil {
			return fmt.Errorf("consistency %d -> %d: ProveTree: %v", a.N, b.N, err)
		}
		if err := tlog.CheckTree(p, b.N, b.Hash, a.N, a.Hash); err != nil {
			return fmt.Errorf("consistency %d -> %d: CheckTree: %v", a.N, b.N, err)
		}
	}
	fmt.Printf("tlog.CheckTree: %d consistency proofs verified\n", len(cps)-1)
	return nil
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: verify LOG_DIR VKEY [COSIGNER_VKEY...]")
		os.Exit(3)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3:]); err != nil {
		fmt.Fprintln(os.Stderr, "verify:", err)
		os.Exit(1)
	}
	fmt.Println("verified with golang.org/x/mod/sumdb")
}
