#!/usr/bin/env node
// Opens pages of a served trustwatch site in headless Chromium (the system one, driven by
// playwright-core; no browser is ever downloaded) and checks each page:
//   1. strict pass (the server's CSP enforced): HTTP 200, no console error, no page error,
//      no failed or >= 400 sub-request (CSP violations are console errors);
//   2. axe passes (bypassCSP, as test tooling does, so axe can be injected), in the light and
//      the dark colour scheme: axe-core reports no WCAG 2.0/2.1 A/AA violation.
// Prints one TAP-style line per check ("ok - ..." / "not ok - ..."); exits 1 on any failure.
//
//   3. with --narrow: at 390 px wide (a phone), the page does not scroll horizontally (tables
//      may scroll inside their own box).
// Usage: node check.js --base URL [--screenshot FILE] [--chromium PATH] [--narrow] PAGE...
//   PAGE is a path relative to URL (index.html, fr/index.html, ...). The screenshot is of the
//   first page, full page, 1280 px wide.
'use strict';
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const AXE = require.resolve('axe-core/axe.min.js');
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

function usage(msg) {
	console.error(`check.js: ${msg}\nusage: node check.js --base URL [--screenshot FILE] [--chromium PATH] PAGE...`);
	process.exit(3);
}

const opt = { base: null, screenshot: null, chromium: process.env.TW_CHROMIUM || '/usr/bin/chromium', narrow: false, pages: [] };
for (let i = 2; i < process.argv.length; i++) {
	const a = process.argv[i];
	if (a === '--base' || a === '--screenshot' || a === '--chromium') {
		if (i + 1 >= process.argv.length) usage(`${a} needs a value`);
		opt[a.slice(2)] = process.argv[++i];
	} else if (a === '--narrow') {
		opt.narrow = true;
	} else if (a.startsWith('--')) {
		usage(`unknown option ${a}`);
	} else {
		opt.pages.push(a);
	}
}
if (!opt.base || opt.pages.length === 0) usage('--base and at least one PAGE are required');
if (!opt.base.endsWith('/')) opt.base += '/';

let pass = 0, fail = 0;
const ok = (m) => { pass++; console.log(`ok - ${m}`); };
const notOk = (m, detail) => {
	fail++;
	console.log(`not ok - ${m}`);
	for (const d of detail || []) console.log(`#   ${String(d).replace(/\n/g, '\n#   ')}`);
};

// Records console errors, page errors and failed sub-requests of a page.
function watch(page) {
	const errors = [];
	page.on('console', (m) => {
		if (m.type() !== 'error') return;
		const where = (m.location() && m.location().url) || '';
		errors.push(`console: ${m.text()}${where ? ` (${where})` : ''}`);
	});
	page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
	page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} (${r.failure() && r.failure().errorText})`));
	page.on('response', (r) => {
		if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
	});
	return errors;
}

async function strictPass(browser) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
	try {
		for (const [i, p] of opt.pages.entries()) {
			const page = await ctx.newPage();
			const errors = watch(page);
			let resp = null;
			try {
				resp = await page.goto(opt.base + p, { waitUntil: 'load', timeout: 15000 });
			} catch (e) {
				errors.push(`navigation: ${e.message.split('\n')[0]}`);
			}
			const status = resp ? resp.status() : 0;
			if (status === 200) ok(`${p}: HTTP 200`);
			else notOk(`${p}: HTTP ${status}, want 200`);
			// Let late console messages (CSP reports are asynchronous) arrive.
			await page.waitForTimeout(200);
			if (errors.length === 0) ok(`${p}: no console errors`);
			else notOk(`${p}: ${errors.length} console/page/request error(s)`, errors);
			if (i === 0 && opt.screenshot && status === 200) {
				await page.screenshot({ path: opt.screenshot, fullPage: true });
				ok(`${p}: screenshot saved to ${opt.screenshot} (${fs.statSync(opt.screenshot).size} bytes)`);
			}
			await page.close();
		}
	} finally {
		await ctx.close();
	}
}

async function axePass(browser, scheme) {
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, bypassCSP: true, colorScheme: scheme });
	try {
		for (const p of opt.pages) {
			const page = await ctx.newPage();
			try {
				await page.goto(opt.base + p, { waitUntil: 'load', timeout: 15000 });
				await page.addScriptTag({ path: AXE });
				const res = await page.evaluate(async (tags) => {
					// eslint-disable-next-line no-undef
					const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
					return r.violations.map((v) => ({
						id: v.id, impact: v.impact, help: v.help,
						nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} :: ${n.failureSummary.replace(/\n\s*/g, ' ')}`),
						count: v.nodes.length,
					}));
				}, WCAG);
				if (res.length === 0) {
					ok(`${p} (${scheme}): axe-core ${require('axe-core/package.json').version}: no WCAG 2 A/AA violations`);
				} else {
					const detail = [];
					for (const v of res) {
						detail.push(`${v.id} (${v.impact}, ${v.count} node(s)): ${v.help}`);
						for (const n of v.nodes) detail.push(`  ${n}`);
					}
					notOk(`${p} (${scheme}): axe-core: ${res.length} WCAG 2 A/AA violation(s): ${res.map((v) => v.id).join(', ')}`, detail);
				}
			} catch (e) {
				notOk(`${p} (${scheme}): axe-core could not run`, [e.message.split('\n')[0]]);
			}
			await page.close();
		}
	} finally {
		await ctx.close();
	}
}

// At 390 px (a phone), nothing makes the whole page scroll sideways.
async function narrowPass(browser) {
	const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
	try {
		for (const p of opt.pages) {
			const page = await ctx.newPage();
			try {
				await page.goto(opt.base + p, { waitUntil: 'load', timeout: 15000 });
				const w = await page.evaluate(() => ({
					scroll: document.documentElement.scrollWidth, view: window.innerWidth,
				}));
				if (w.scroll <= w.view) ok(`${p} (390 px): no horizontal scroll`);
				else notOk(`${p} (390 px): the page is ${w.scroll} px wide, scrolls sideways`);
			} catch (e) {
				notOk(`${p} (390 px): could not load`, [e.message.split('\n')[0]]);
			}
			await page.close();
		}
	} finally {
		await ctx.close();
	}
}

(async () => {
	let browser;
	try {
		// Playwright gives a launched browser a fresh, temporary user-data-dir (under TMPDIR).
		browser = await chromium.launch({
			executablePath: opt.chromium,
			headless: true,
			timeout: 60000,
			args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
				'--disable-background-networking', '--disable-component-update', '--disable-sync'],
			// Not --disable-crashpad-for-testing: with it, Chromium 156 aborts every navigation.
		});
	} catch (e) {
		notOk(`launch ${opt.chromium}`, [e.message.split('\n').slice(0, 5).join('\n')]);
		console.log(`# pass ${pass}\n# fail ${fail}`);
		process.exit(1);
	}
	try {
		await strictPass(browser);
		// The stylesheet is dark-mode aware: contrast is checked in both schemes.
		await axePass(browser, 'light');
		await axePass(browser, 'dark');
		if (opt.narrow) await narrowPass(browser);
	} catch (e) {
		notOk('browser run', [e.stack]);
	} finally {
		await browser.close();
	}
	console.log(`# pass ${pass}\n# fail ${fail}`);
	process.exit(fail === 0 ? 0 : 1);
})();
