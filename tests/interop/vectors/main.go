// Prints the known-answer vectors hard-coded in tests/tlog_test.c, computed with
// golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog (Debian
// golang-golang-x-mod-dev). Run offline:
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go run ./tests/interop/vectors
package main

import (
	"encoding/base64"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// seedReader hands out the bytes 1, 2, ..., 32 as the Ed25519 seed.
type seedReader struct{ next byte }

func (r *seedReader) Read(p []byte) (int, error) {
	for i := range p {
		r.next++
		p[i] = r.next
	}
	return len(p), nil
}

// memHashes is a tlog.HashReader over stored hashes kept in memory.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = m[x]
	}
	return out, nil
}

func main() {
	skey, vkey, err := note.GenerateKey(&seedReader{}, "example.com/log")
	if err != nil {
		panic(err)
	}
	fmt.Println("skey", skey)
	fmt.Println("vkey", vkey)
	signer, err := note.NewSigner(skey)
	if err != nil {
		panic(err)
	}
	msg, err := note.Sign(&note.Note{Text: "example.com/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"}, signer)
	if err != nil {
		panic(err)
	}
	fmt.Printf("note %q\n", msg)

	var stored memHashes
	for i := 0; i < 7; i++ {
		hs, err := tlog.StoredHashes(int64(i), []byte{byte('a' + i)}, stored)
		if err != nil {
			panic(err)
		}
		stored = append(stored, hs...)
		h, err := tlog.TreeHash(int64(i+1), stored)
		if err != nil {
			panic(err)
		}
		fmt.Println("tree", i+1, base64.StdEncoding.EncodeToString(h[:]))
	}
}
