// Shared pieces of the UI browser tests: Debian's headless Chromium driven by playwright-core
// (never a downloaded browser), a fresh UI build, screenshots, and checks every page must pass.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = process.env.MVN_CHROMIUM || '/usr/bin/chromium';
const ROOT = path.resolve(__dirname, '..', '..', '..');
export const SCREENSHOTS = path.join(ROOT, 'test-artifacts', 'screenshots');

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM);
}

/** Builds the UI into a private directory so the test sees the current sources. */
export async function buildUi(): Promise<{ dir: string; cleanup(): void }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-ui-e2e-'));
  const dir = path.join(tmp, 'ui');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ui = require(path.join(ROOT, 'src', 'ui', 'build.js')) as { build(o: { outDir: string }): Promise<unknown> };
  await ui.build({ outDir: dir });
  return { dir, cleanup: () => fs.rmSync(tmp, { recursive: true, force: true }) };
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** console errors, page errors and CSP violations seen so far */
  problems: string[];
  close(): Promise<void>;
}

export async function openBrowser(): Promise<BrowserSession> {
  // playwright-core gives every non-persistent launch its own new, empty profile directory.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    // A dropped event stream is logged by Chromium as a network error; tests cause that on purpose.
    if (m.type() === 'error' && !/v2\/events|ERR_INCOMPLETE_CHUNKED_ENCODING|503|Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.exposeFunction('__mvnCspViolation', (what: string) => problems.push(`csp: ${what}`));
  // Browser-side code is passed as source text: the test build has no DOM typings.
  await context.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (e) => window.__mvnCspViolation(e.violatedDirective + ' ' + e.blockedURI));",
  });
  return {
    browser,
    context,
    page,
    problems,
    close: async () => {
      await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Marks the document so a test can prove a later state came without a reload. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate('window.__mvnMark = 42');
}

export async function documentStillMarked(page: Page): Promise<boolean> {
  return (await page.evaluate('window.__mvnMark === 42')) === true;
}

export async function isFocused(l: Locator): Promise<boolean> {
  return l.evaluate((el) => (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement === el);
}

/** The text selected in a textarea. */
export async function selectedText(l: Locator): Promise<string> {
  return l.evaluate((el) => {
    const t = el as unknown as { value: string; selectionStart: number; selectionEnd: number };
    return t.value.slice(t.selectionStart, t.selectionEnd);
  });
}

/** `tag:label` of the focused element, for keyboard-walk assertions. */
export async function focusedSummary(page: Page): Promise<string> {
  return String(
    await page.evaluate(
      "(() => { const el = document.activeElement; if (!el) return ''; return el.tagName.toLowerCase() + ':' + (el.getAttribute('aria-label') || el.textContent || el.id || '').trim().slice(0, 30); })()",
    ),
  );
}

/** A locator's visible text with runs of white space folded to one space. */
export async function textOf(l: Locator): Promise<string> {
  return (await l.innerText()).replace(/\s+/g, ' ').trim();
}

/** Polls until `read()` matches; the assertion message shows the last value seen. */
export async function eventuallyMatches(read: () => Promise<string>, want: RegExp, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    last = await read().catch((e: unknown) => `<${String(e)}>`);
    if (want.test(last)) return last;
    if (Date.now() > until) assert.fail(`expected ${want} but saw: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
