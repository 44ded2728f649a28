// A real VS Code for the tests and the demo: code-server 4.100.3 (Code 1.100.3) started on a
// free loopback port with fresh user-data and extensions folders, and Debian's chromium driven
// headless by playwright-core. The extension under test is loaded through the page URL's
// `payload` (extensionDevelopmentPath, optionally extensionTestsPath): code-server refuses those
// flags on its command line. See ../shared/VSCODE-TESTING.md.
//
//   const wb = await startWorkbench({ name: 'smoke', folder: SAMPLE });
//   await wb.openFile('orders.c'); await wb.runCommand('Probe Lens: Check System');
//   await wb.screenshot('check-system'); await wb.close();

/* global document, getComputedStyle, NodeFilter -- in functions page.evaluate runs in the browser */

import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { after, afterEach, before } from 'node:test';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SAMPLE = join(REPO, 'sample');
export const ARTIFACTS = join(REPO, 'test/artifacts');
export const CODE_SERVER_DIR =
  process.env.PROBE_LENS_CODE_SERVER_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'probe-lens/code-server');
export const CODE_SERVER = join(CODE_SERVER_DIR, 'node_modules/.bin/code-server');
export const CHROMIUM = process.env.PROBE_LENS_CHROMIUM ?? '/usr/bin/chromium';
export const EXTENSION_ID = 'probe-lens.probe-lens';

/** Why a real VS Code cannot start here, or undefined when it can. */
export function missingPrerequisite() {
  if (!existsSync(CODE_SERVER)) return `code-server is not installed at ${CODE_SERVER} (run scripts/install-code-server.sh)`;
  if (!existsSync(CHROMIUM)) return `chromium is not installed at ${CHROMIUM} (run scripts/install-code-server.sh)`;
  try {
    fileURLToPath(import.meta.resolve('playwright-core'));
  } catch {
    return 'playwright-core is not installed (npm ci)';
  }
  return undefined;
}

// The user settings of every fresh profile: nothing that pops up over what the tests look at.
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
  'editor.minimap.enabled': false,
  // The DOM renderer: the terminal's text is then in .xterm-rows for terminalText().
  'terminal.integrated.gpuAcceleration': 'off',
  // The terminal tabs list shows even for one terminal, so tests can count terminals.
  'terminal.integrated.tabs.hideCondition': 'never',
  'editor.hover.delay': 300,
  'files.exclude': { build: false },
  'window.restoreWindows': 'none',
};

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Every process descended from `pid`, read from /proc (children before they are re-parented). */
export function descendants(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // gone already
    }
  }
  const found = [];
  const stack = [pid];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()) ?? []) {
      found.push(child);
      stack.push(child);
    }
  }
  return found;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ends `pid`, its process group and every descendant (file watchers, the extension host). */
export async function killTree(pid, { graceMs = 3000 } = {}) {
  const pids = [pid, ...descendants(pid)];
  const signal = (sig) => {
    try {
      process.kill(-pid, sig); // the group: code-server is started as its own group leader
    } catch {
      // no such group
    }
    for (const p of pids) {
      try {
        process.kill(p, sig);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (pids.some(alive)) signal('SIGKILL');
}

/** Milliseconds since `start`, rounded, for the timing lines the tests print. */
const since = (start) => Math.round(performance.now() - start);

/**
 * Starts code-server on a free port with fresh profile folders and returns once /healthz answers.
 * `dataDir` defaults to a new temporary folder, removed by stop() unless `keep`.
 */
export async function startCodeServer({ dataDir, port, keep = false, settings = {}, logFile, env = {} } = {}) {
  const why = missingPrerequisite();
  if (why) throw new Error(why);
  port ??= await freePort();
  const ownDataDir = dataDir === undefined;
  dataDir ??= mkdtempSync(join(tmpdir(), 'probe-lens-vscode-'));
  mkdirSync(join(dataDir, 'User'), { recursive: true });
  mkdirSync(join(dataDir, 'extensions'), { recursive: true });
  writeFileSync(join(dataDir, 'User/settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
  // Its own config file, so ~/.config/code-server is never written.
  writeFileSync(join(dataDir, 'config.yaml'), 'auth: none\ncert: false\n');

  const started = performance.now();
  const log = logFile ? createWriteStream(logFile) : undefined;
  const child = spawn(
    CODE_SERVER,
    [
      '--config', join(dataDir, 'config.yaml'),
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--user-data-dir', dataDir,
      '--extensions-dir', join(dataDir, 'extensions'),
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  const output = [];
  const collect = (chunk) => {
    output.push(chunk.toString());
    log?.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited = false;
  child.once('exit', () => (exited = true));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`code-server exited before it answered:\n${output.join('')}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await killTree(child.pid);
      throw new Error(`code-server did not answer ${url}/healthz in 30 s:\n${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const healthyMs = since(started);

  return {
    url,
    port,
    dataDir,
    pid: child.pid,
    healthyMs,
    output,
    /** The page that opens `folder` with the extension at `extensionDevelopmentPath`. */
    workbenchUrl({ folder, extensionDevelopmentPath, extensionTestsPath } = {}) {
      const payload = [];
      if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${extensionDevelopmentPath}`]);
      if (extensionTestsPath) payload.push(['extensionTestsPath', `vscode-remote://127.0.0.1:${port}${extensionTestsPath}`]);
      const query = [];
      if (folder) query.push(`folder=${encodeURIComponent(folder)}`);
      if (payload.length > 0) query.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
      return `${url}/${query.length > 0 ? `?${query.join('&')}` : ''}`;
    },
    async stop() {
      if (!exited) await killTree(child.pid);
      log?.end();
      if (ownDataDir && !keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Chromium flags that work here: root (no sandbox), small /dev/shm, no GPU, closed network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

/**
 * A real workbench: code-server + headless chromium on `folder`, with this repository as the
 * extension under development. Resolves once the workbench is drawn.
 *
 * name                 test name: screenshots go to test/artifacts/screenshots/<name>/
 * folder               the workspace folder to open (default: sample/)
 * extensionTestsPath   an extension-host test module (its run() is awaited; see `exitCode`)
 * extensionDevelopmentPath  default: the repository root; null for none
 * settings             extra user settings
 */
export async function startWorkbench({
  name,
  folder = SAMPLE,
  extensionTestsPath,
  extensionDevelopmentPath = REPO,
  settings = {},
  env = {},
  viewport = { width: 1600, height: 1000 },
} = {}) {
  const shots = join(ARTIFACTS, 'screenshots', name);
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  const timings = {};

  const server = await startCodeServer({ settings, env, logFile: join(shots, 'code-server.log') });
  timings.serverHealthyMs = server.healthyMs;
  try {
    const url = server.workbenchUrl({ folder, extensionDevelopmentPath: extensionDevelopmentPath ?? undefined, extensionTestsPath });
    const wb = await openWorkbench(url, { name, viewport, shots, timings });
    wb.server = server;
    return wb;
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/**
 * The lifecycle a UI test file shares, as hooks of the suite it is called in: before the tests, a
 * scratch directory, the workspace `prepare(scratch)` makes there (it resolves to `{ folder,
 * open }`), and a workbench on that folder with the file `open` opened; a screenshot after each
 * test, whatever its outcome; after all, the workbench closed and the scratch directory removed.
 * Returns the workbench at once (the tests hold it), started once the before hook has run.
 */
export function useWorkbench(name, prepare) {
  const wb = new Workbench({});
  let scratch;
  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), `probe-lens-${name}-ui-`));
    const { folder, open } = await prepare(scratch);
    Object.assign(wb, await startWorkbench({ name, folder }));
    console.log(`screenshots: ${wb.shots}`);
    if (open !== undefined) await wb.openFile(open);
  });
  afterEach(async (t) => {
    if (wb.page) await wb.screenshot(`end-of-${t.name.slice(0, 40)}`).catch(() => {});
  });
  after(async () => {
    if (wb.page) await wb.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });
  return wb;
}

/**
 * A workspace `name` under `scratch` for one C program: `sources` copied in, built with
 * `compiler` and `flags` into build/<program>, and a .vscode/launch.json that Run with Probes
 * starts it from, with `args`. Returns the workspace's folder.
 */
export function scratchWorkspace(scratch, name, { sources, program, compiler = 'gcc', flags = ['-g', '-O1'], args = [] }) {
  const workspace = join(scratch, name);
  mkdirSync(join(workspace, 'build'), { recursive: true });
  for (const source of sources) copyFileSync(source, join(workspace, basename(source)));
  execFileSync(compiler, [...flags, '-o', join(workspace, 'build', program), ...sources.map((source) => join(workspace, basename(source)))]);
  mkdirSync(join(workspace, '.vscode'));
  writeFileSync(
    join(workspace, '.vscode/launch.json'),
    JSON.stringify({ version: '0.2.0', configurations: [{ name: program, type: 'cppdbg', request: 'launch', program: `\${workspaceFolder}/build/${program}`, args, cwd: '${workspaceFolder}' }] }),
  );
  return workspace;
}

/**
 * Headless chromium on a workbench `url` served by someone else (the demo, say); resolves once
 * the workbench is drawn. close() ends only the browser.
 */
export async function openWorkbench(url, { name, viewport = { width: 1600, height: 1000 }, shots, timings = {} } = {}) {
  const { chromium } = await import('playwright-core');
  if (shots === undefined) {
    shots = join(ARTIFACTS, 'screenshots', name);
    rmSync(shots, { recursive: true, force: true });
    mkdirSync(shots, { recursive: true });
  }
  let browser;
  try {
    const launched = performance.now();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport });
    timings.browserMs = since(launched);

    const automationLog = [];
    let resolveExit;
    const exitCode = new Promise((r) => (resolveExit = r));
    // The workbench forwards the extension host's console as (type, args), as for @vscode/test-web.
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const line = `${(Array.isArray(args) ? args : [args]).map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}\n`;
      automationLog.push(type === 'error' || type === 'warn' ? `${type}: ${line}` : line);
      if (process.env.PROBE_LENS_TEST_VERBOSE) process.stdout.write(`[host] ${line}`);
    });
    await page.exposeFunction('codeAutomationExit', (code) => resolveExit(Number(code)));
    const consoleLog = createWriteStream(join(shots, 'browser-console.log'));
    page.on('console', (message) => consoleLog.write(`${message.type()}: ${message.text()}\n`));
    page.on('pageerror', (error) => consoleLog.write(`pageerror: ${error.stack ?? error.message}\n`));

    const navigated = performance.now();
    await page.goto(url);
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: 60_000 });
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
    timings.workbenchMs = since(navigated);
    return new Workbench({ page, browser, server: undefined, shots, automationLog, exitCode, timings, consoleLog });
  } catch (error) {
    await browser?.close().catch(() => {});
    throw error;
  }
}

class Workbench {
  #step = 0;

  constructor({ page, browser, server, shots, automationLog, exitCode, timings, consoleLog }) {
    this.page = page;
    this.browser = browser;
    this.server = server;
    this.shots = shots;
    this.automationLog = automationLog;
    /** Resolves with the code an extensionTestsPath module's run() ended with. */
    this.exitCode = exitCode;
    this.timings = timings;
    this.consoleLog = consoleLog;
  }

  /** Saves test/artifacts/screenshots/<name>/NN-<label>.png and returns its path. */
  async screenshot(label) {
    this.#step += 1;
    const file = join(this.shots, `${String(this.#step).padStart(2, '0')}-${label.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Closes whatever quick input, menu or hover is open. */
  async escape() {
    await this.page.keyboard.press('Escape');
  }

  /** Opens the command palette (F1), types `title`, picks the entry whose label is exactly `title`. */
  async runCommand(title, { timeout = 15_000 } = {}) {
    const { page } = this;
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-widget .monaco-list-row', {
      has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
    });
    await row.first().waitFor({ state: 'visible', timeout });
    await row.first().click();
  }

  /** The command palette's entries matching `text` (labels), without running any. */
  async paletteEntries(text) {
    const { page } = this;
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${text}`);
    await page.waitForTimeout(500);
    const labels = await page.locator('.quick-input-widget .monaco-list-row .label-name').allTextContents();
    await this.escape();
    return labels;
  }

  /** Opens a workspace file by quick open (Ctrl+P) and waits for its editor. */
  async openFile(relativePath) {
    const { page } = this;
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await page.keyboard.press('Control+P');
    await input.waitFor({ state: 'visible' });
    await input.fill(relativePath);
    const base = relativePath.split('/').pop();
    const row = page.locator('.quick-input-widget .monaco-list-row', { has: page.locator('.label-name', { hasText: base }) });
    await row.first().waitFor({ state: 'visible', timeout: 15_000 });
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
    await page.locator(`.tabs-container .tab[data-resource-name="${base}"], .tabs-container .tab[aria-label^="${base}"]`).first().waitFor();
    await this.editorLine(/\S/).first().waitFor();
  }

  /** Moves the cursor of the active editor to `line` (1-based) with Go to Line (Ctrl+G), scrolling it into view. */
  async goToLine(line) {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await this.page.keyboard.press('Control+G');
    await input.waitFor({ state: 'visible' });
    await input.fill(`:${line}`);
    await this.page.waitForTimeout(200);
    await this.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
  }

  /** The rendered `.view-line`s of the active editor whose text matches `pattern`. */
  editorLine(pattern) {
    return this.page.locator('.editor-instance .monaco-editor .view-lines .view-line', { hasText: nbspTolerant(pattern) });
  }

  /** Clicks (or right-clicks) on `word` inside the first rendered line matching `linePattern`. */
  async clickWord(linePattern, word, { button = 'left' } = {}) {
    const line = this.editorLine(linePattern).first();
    await line.waitFor();
    const box = await wordBox(line, word);
    await this.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2, { button });
  }

  /** Hovers the mouse over `word` in the first line matching `linePattern`. */
  async hoverWord(linePattern, word) {
    const line = this.editorLine(linePattern).first();
    await line.waitFor();
    const box = await wordBox(line, word);
    await this.page.mouse.move(box.x + 2, box.y + box.height / 2);
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  }

  /** The labels of the editor context menu that is open. */
  async contextMenuLabels() {
    const labels = this.page.locator('.context-view .monaco-menu .action-label');
    await labels.first().waitFor();
    return (await labels.allTextContents()).map((l) => l.trim()).filter(Boolean);
  }

  /** Clicks the open context menu's entry labelled exactly `label`. */
  async clickContextMenu(label) {
    // A menu ignores a click that comes right after it opened (the right-click's own mouse-up).
    await this.page.waitForTimeout(300);
    const item = this.page.locator('.context-view .monaco-menu .action-item', {
      has: this.page.locator('.action-label', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }),
    });
    await item.first().click();
  }

  /**
   * The text decorations draw after the first line matching `linePattern`: CSS generated
   * content (`::after`/`::before`), which is not part of the line's textContent.
   */
  async decorationText(linePattern) {
    const line = this.editorLine(linePattern).first();
    if ((await line.count()) === 0) return '';
    return line.evaluate((el) => {
      const parts = [];
      for (const node of [el, ...el.querySelectorAll('*')]) {
        for (const pseudo of ['::before', '::after']) {
          const content = getComputedStyle(node, pseudo).content;
          if (content && content !== 'none' && content !== 'normal') {
            // A CSS string: "…" with backslash escapes.
            parts.push(content.replace(/^"|"$/g, '').replace(/\\(.)/g, '$1'));
          }
        }
      }
      return parts.join('');
    });
  }

  /** Probe Lens: Run with Probes, then the terminal's text once that run has ended (status 0). */
  async runWithProbes({ timeout = 30_000 } = {}) {
    const before = await this.terminalText();
    await this.runCommand('Probe Lens: Run with Probes');
    return this.waitForRunEnd(before, { timeout });
  }

  /** Polls the Run with Probes terminal until a run other than `before`'s has ended; returns its text. */
  async waitForRunEnd(before = '', { timeout = 30_000 } = {}) {
    const deadline = Date.now() + timeout;
    let text = '';
    while (Date.now() < deadline) {
      text = await this.terminalText();
      if (text !== before && /exited with status 0$/.test(text)) return text;
      await this.page.waitForTimeout(200);
    }
    throw new Error(`the terminal never showed the run's end:\n${text}`);
  }

  /** The text the terminal in the panel shows (its rows, as drawn). */
  async terminalText() {
    const rows = this.page.locator('.part.panel .terminal-wrapper.active .xterm-rows, .part.panel .xterm-rows');
    if ((await rows.count()) === 0) return '';
    return (await rows.first().evaluate((el) => [...el.children].map((row) => row.textContent.replace(/\u00a0/g, ' ').trimEnd()).join('\n'))).trim();
  }

  /** Texts of the notification toasts on screen. */
  async notifications() {
    return (await this.page.locator('.notifications-toasts .notification-toast .notification-list-item-message').allTextContents()).map((t) => t.trim());
  }

  /** Waits for a notification toast whose message matches `pattern` and returns its text. */
  async waitForNotification(pattern, { timeout = 20_000 } = {}) {
    const toast = this.page.locator('.notifications-toasts .notification-list-item-message', { hasText: pattern }).first();
    await toast.waitFor({ state: 'visible', timeout });
    return (await toast.textContent()).trim();
  }

  /** Clears every notification (the toasts cover the bottom right). */
  async clearNotifications() {
    await this.runCommand('Notifications: Clear All Notifications').catch(() => {});
  }

  /** Ends the browser and the server with everything the server started. */
  async close() {
    await this.browser.close().catch(() => {});
    this.consoleLog.end();
    await this.server?.stop();
  }
}

/** Where `word` is drawn in `line`, once the layout has settled (same box twice, not empty). */
async function wordBox(line, word) {
  let previous;
  for (let attempt = 0; attempt < 50; attempt++) {
    const box = await measureWord(line, word);
    if (box.width > 0 && previous !== undefined && JSON.stringify(box) === JSON.stringify(previous)) return box;
    previous = box;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`"${word}" never settled on the screen: ${JSON.stringify(previous)}`);
}

async function measureWord(line, word) {
  const box = await line.evaluate((el, w) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.replace(/\u00a0/g, ' ');
      const at = text.search(new RegExp(`\\b${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`));
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + w.length);
      const r = range.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    }
    return undefined;
  }, word);
  if (!box) throw new Error(`"${word}" is not on the line`);
  return box;
}

/** The editor draws spaces as U+00A0: a pattern's spaces match either. */
function nbspTolerant(pattern) {
  const source = typeof pattern === 'string' ? escapeRegExp(pattern) : pattern.source;
  return new RegExp(source.replace(/ /g, '[ \\u00a0]'), typeof pattern === 'string' ? '' : pattern.flags);
}

export function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The command titles package.json contributes (the extension's public surface). */
export function contributedCommandTitles() {
  const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  return (manifest.contributes?.commands ?? []).map((c) => (c.category ? `${c.category}: ${c.title}` : c.title));
}
