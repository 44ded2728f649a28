// The Calls panel's script, in the webview (bundled into media/dist/calls-panel.js): a live table
// of calls and returns with filters, pause, clear, per-probe latency histograms and export
// buttons. It draws only the rows in view (fixed row height), holds at most as many rows as the
// call log, checks every message the host posts (panel-messages.ts) and keeps its filter, scroll
// position and selected row with setState, since the webview is rebuilt whenever the panel is
// hidden. Selecting a row asks the host for its call's stack (named there), shown under the table
// with each frame a link to its source. A probe that counts an argument's values shows its
// distribution beside its latencies: the top values with exact counts and the log2 histogram.

import type { RowFilter } from '../core/call-log';
import { parseFilter, parseHostMessage, type ExportFormat, type HostMessage, type PanelBar, type PanelDistribution, type PanelProbe, type WebviewMessage } from '../core/panel-messages';
import { histogramBars, PANEL_COLUMNS, PanelRows, rowCells, visibleWindow } from '../core/panel-view';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: SavedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface SavedState {
  filter: RowFilter;
  follow: boolean;
  scrollTop: number;
  selectedSeq?: number | undefined;
}

/** Must match `--row-height` in media/calls-panel.css. */
const ROW_PX = 22;

const vscode = acquireVsCodeApi();
const rows = new PanelRows();
let probes: PanelProbe[] = [];
let paused = false;
/** Keep the newest row in view while the user has not scrolled up. */
let follow = true;
/** A saved scroll position to go back to once the rows are there. */
let restoreScrollTop: number | undefined;
/** The selected row's key: its call's stack shows under the table. */
let selectedSeq: number | undefined;
/** The first shown row drawn now (a click on the i-th table row is on shown[firstDrawn + i]). */
let firstDrawn = 0;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, props: { className?: string; text?: string; title?: string } = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className !== undefined) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title !== undefined) node.title = props.title;
  node.append(...children);
  return node;
}

function button(text: string, title: string, onClick: () => void): HTMLButtonElement {
  const node = element('button', { text, title });
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

function colgroup(): HTMLTableColElement {
  const group = element('colgroup');
  for (const column of PANEL_COLUMNS) group.append(element('col', { className: `col-${column.replace(/\W+/g, '-').toLowerCase()}` }));
  return group;
}

// The page: toolbar, histograms, the header table, and the scrolled body.
const probeSelect = element('select', { title: 'Show the calls of one probe' });
const pidSelect = element('select', { title: 'Show the calls of one process' });
const textInput = element('input');
textInput.type = 'search';
textInput.placeholder = 'Filter: arguments, return value, comm';
const pauseButton = button('Pause', 'Stop recording new call rows (counts go on)', () => post({ type: 'pause', paused: !paused }));
const status = element('span', { className: 'status' });
const toolbar = element(
  'header',
  { className: 'toolbar' },
  probeSelect,
  pidSelect,
  textInput,
  pauseButton,
  button('Clear Rows', "Forget the call rows shown here; the probes' counts are kept", () => post({ type: 'clear' })),
  button('Reset Counts', "Start every probe's counts from 0 and forget its rows", () => post({ type: 'resetCounts' })),
  button('Export JSON lines…', 'Save the calls shown as JSON lines', () => exportRows('jsonl')),
  button('Export CSV…', 'Save the calls shown as CSV', () => exportRows('csv')),
  status,
);
const histogramsSummary = element('summary', { text: 'Latency histograms' });
const histograms = element('details', { className: 'histograms' }, histogramsSummary);
histograms.open = true;
const histogramBody = element('div', { className: 'histogram-list' });
histograms.append(histogramBody);
const headRow = element('tr');
for (const column of PANEL_COLUMNS) headRow.append(element('th', { text: column }));
const headTable = element('table', { className: 'calls head' }, colgroup(), element('thead', {}, headRow));
const tbody = element('tbody');
const bodyTable = element('table', { className: 'calls body' }, colgroup(), tbody);
bodyTable.setAttribute('aria-label', 'Calls');
const spacer = element('div', { className: 'spacer' }, bodyTable);
// The header scrolls with the body (sticky), so both share the scroller's width and columns line up.
const scroller = element('div', { className: 'scroller' }, headTable, spacer);
const empty = element('div', { className: 'empty', text: 'No calls yet. Probe a function (right-click its name → Probe This Function) and run the program.' });
const stackTitle = element('span', { className: 'stack-title' });
const stackList = element('ol', { className: 'stack-frames' });
const stackNote = element('div', { className: 'stack-note' });
const stackPane = element(
  'section',
  { className: 'stack-pane' },
  element('header', {}, stackTitle, button('Close', 'Hide this call\'s stack', () => select(undefined))),
  stackNote,
  stackList,
);
stackPane.setAttribute('aria-label', 'The selected call\'s stack');
stackPane.hidden = true;
document.body.append(toolbar, histograms, scroller, empty, stackPane);

function post(message: WebviewMessage): void {
  vscode.postMessage(message);
}

function exportRows(format: ExportFormat): void {
  post({ type: 'export', format, filter: rows.filter });
}

function saveState(): void {
  vscode.setState({ filter: rows.filter, follow, scrollTop: scroller.scrollTop, selectedSeq });
}

/** Selects a row (or none): the host answers with its call's stack. */
function select(seq: number | undefined): void {
  selectedSeq = seq;
  if (seq === undefined) {
    stackPane.hidden = true;
    stackList.replaceChildren();
  } else {
    stackTitle.textContent = 'Naming the stack…';
    stackNote.textContent = '';
    stackList.replaceChildren();
    stackPane.hidden = false;
    post({ type: 'selectRow', seq });
  }
  saveState();
  scheduleRender();
}

function showStack(message: Extract<HostMessage, { type: 'stack' }>): void {
  if (message.seq !== selectedSeq) return;
  stackTitle.textContent = message.title;
  stackNote.textContent = message.note ?? '';
  stackNote.hidden = message.note === undefined;
  stackList.replaceChildren(
    ...message.frames.map((frame, index) => {
      if (!frame.hasSource) return element('li', { text: frame.text });
      const link = element('a', { text: frame.text, title: 'Open the source at this line' });
      link.href = '#';
      link.addEventListener('click', (event) => {
        event.preventDefault();
        post({ type: 'openFrame', seq: message.seq, index });
      });
      return element('li', {}, link);
    }),
  );
  stackPane.hidden = false;
}

function readFilter(): RowFilter {
  const filter: RowFilter = {};
  if (probeSelect.value !== '') filter.probeId = Number(probeSelect.value);
  if (pidSelect.value !== '') filter.pid = Number(pidSelect.value);
  if (textInput.value !== '') filter.text = textInput.value;
  return filter;
}

function applyFilter(filter: RowFilter): void {
  rows.setFilter(filter);
  syncControls();
  follow = true;
  scheduleRender();
  saveState();
}

function setOptions(select: HTMLSelectElement, anyLabel: string, options: [value: string, label: string][], selected: string): void {
  const wanted = [['', anyLabel], ...options];
  const current = [...select.options].map((option) => [option.value, option.text]);
  if (JSON.stringify(current) !== JSON.stringify(wanted)) {
    select.replaceChildren(
      ...wanted.map(([value = '', label = '']) => {
        const option = element('option', { text: label });
        option.value = value;
        return option;
      }),
    );
  }
  select.value = selected;
}

function syncControls(): void {
  const filter = rows.filter;
  const probeOptions: [string, string][] = probes.map((probe) => [String(probe.id), probe.target]);
  // A probe filter for a probe not listed yet (opened from the Probes view) still shows.
  if (filter.probeId !== undefined && !probes.some((probe) => probe.id === filter.probeId)) probeOptions.push([String(filter.probeId), rows.probeName(filter.probeId)]);
  setOptions(probeSelect, 'All probes', probeOptions, filter.probeId === undefined ? '' : String(filter.probeId));
  const pids = rows.pids();
  if (filter.pid !== undefined && !pids.includes(filter.pid)) pids.push(filter.pid);
  setOptions(pidSelect, 'All processes', pids.slice(0, 500).map((pid) => [String(pid), `pid ${pid}`]), filter.pid === undefined ? '' : String(filter.pid));
  if (textInput.value !== (filter.text ?? '')) textInput.value = filter.text ?? '';
  pauseButton.textContent = paused ? 'Resume' : 'Pause';
  pauseButton.title = paused ? 'Record new call rows again' : 'Stop recording new call rows (counts go on)';
  toolbar.classList.toggle('paused', paused);
}

/** Bars as a three-column grid: range, bar, count. */
function barRows(list: HTMLElement, bars: readonly PanelBar[]): void {
  for (const bar of bars) {
    const fill = element('div', { className: 'bar-fill' });
    fill.style.width = `${(bar.fraction * 100).toFixed(1)}%`;
    list.append(element('div', { className: 'bar-label', text: bar.label }), element('div', { className: 'bar' }, fill), element('div', { className: 'bar-count', text: String(bar.count) }));
  }
}

function distributionBlock(distribution: PanelDistribution): HTMLElement {
  const table = element('table', { className: 'top-values' });
  table.setAttribute('aria-label', `Most frequent values of ${distribution.arg}`);
  if (distribution.top.length > 0) {
    const head = element('tr', {}, element('th', { text: distribution.arg }), element('th', { text: 'calls' }), element('th', { text: 'share' }));
    table.append(element('thead', {}, head), element('tbody', {}, ...distribution.top.map((row) => element('tr', {}, element('td', { text: row.value }), element('td', { text: row.count }), element('td', { text: row.share })))));
  }
  const notes = distribution.notes.map((note) => element('div', { className: 'distribution-note', text: note }));
  const list = element('div', { className: 'histogram log2' });
  list.setAttribute('aria-label', `log2 histogram of ${distribution.arg}`);
  barRows(list, distribution.bars);
  return element('div', { className: 'distribution' }, element('div', { className: 'histogram-title', text: distribution.title }), table, ...notes, list);
}

function renderHistograms(): void {
  const filter = rows.filter;
  const selected = probes.filter((probe) => filter.probeId === undefined || probe.id === filter.probeId);
  const blocks = selected.map((probe) => {
    const bars = histogramBars(probe.histogram);
    const title = element('div', {
      className: 'histogram-title',
      text: `${probe.target} — ${probe.calls} calls, ${probe.returns} returns${probe.dropped > 0 ? `, ${probe.dropped} dropped` : ''} (${probe.state})`,
    });
    const list = element('div', { className: 'histogram' });
    if (bars.length === 0) list.append(element('div', { className: 'histogram-empty', text: 'no returns timed yet' }));
    barRows(list, bars);
    const latency = element('div', { className: 'latency' }, title, list);
    return element('div', { className: 'histogram-block' }, latency, ...(probe.distribution === undefined ? [] : [distributionBlock(probe.distribution)]));
  });
  const withValues = selected.some((probe) => probe.distribution !== undefined);
  histogramsSummary.textContent = withValues ? 'Latency histograms and value distributions' : 'Latency histograms';
  histograms.classList.toggle('with-values', withValues);
  histogramBody.replaceChildren(...blocks);
}

/** The distributions as drawn, line by line (for the report). */
function distributionLines(): string[] {
  return [...histogramBody.querySelectorAll('.distribution')].flatMap((block) => [
    block.querySelector('.histogram-title')?.textContent ?? '',
    ...[...block.querySelectorAll('.top-values tbody tr')].map((tr) => [...tr.children].map((cell) => cell.textContent ?? '').join(' | ')),
    ...[...block.querySelectorAll('.distribution-note')].map((note) => note.textContent ?? ''),
    ...[...block.querySelectorAll('.bar-label')].map((label) => `${label.textContent ?? ''} | ${label.nextElementSibling?.nextElementSibling?.textContent ?? ''}`),
  ]);
}

let renderQueued = false;

function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

/** Draws the rows in view, reusing the table's row elements. */
function render(): void {
  const shown = rows.shown;
  const viewport = Math.max(0, scroller.clientHeight - headTable.offsetHeight);
  spacer.style.height = `${shown.length * ROW_PX}px`;
  if (restoreScrollTop !== undefined && shown.length > 0) {
    scroller.scrollTop = restoreScrollTop;
    restoreScrollTop = undefined;
  } else if (follow) scroller.scrollTop = Math.max(0, scroller.scrollHeight - scroller.clientHeight);
  const view = visibleWindow(scroller.scrollTop, viewport, ROW_PX, shown.length);
  firstDrawn = view.first;
  bodyTable.style.transform = `translateY(${view.offsetPx}px)`;
  const needed = view.end - view.first;
  while (tbody.rows.length < needed) {
    const tr = tbody.insertRow();
    for (let i = 0; i < PANEL_COLUMNS.length; i++) tr.insertCell();
  }
  while (tbody.rows.length > needed) tbody.deleteRow(-1);
  const baseNs = rows.baseNs ?? 0;
  for (let i = 0; i < needed; i++) {
    const row = shown[view.first + i];
    const tr = tbody.rows[i];
    if (row === undefined || tr === undefined) continue;
    const cells = rowCells(row, rows.probeName(row.probeId), baseNs);
    tr.className = `${row.ret === null ? 'pending' : ''}${(view.first + i) % 2 === 1 ? ' odd' : ''}${row.hasStack === true ? ' has-stack' : ''}${row.seq === selectedSeq ? ' selected' : ''}`;
    tr.title = row.hasStack === true ? 'Select to see this call\'s stack' : '';
    cells.forEach((text, column) => {
      const cell = tr.cells[column];
      if (cell !== undefined && cell.textContent !== text) {
        cell.textContent = text;
        cell.title = text;
      }
    });
  }
  const hidden = rows.size - shown.length;
  const evicted = rows.evicted > 0 ? ` · ${rows.evicted} oldest dropped to bound memory` : '';
  // Probes that left records out send a sample: say of how many calls.
  const selected = probes.filter((probe) => rows.filter.probeId === undefined || probe.id === rows.filter.probeId);
  const counted = selected.reduce((sum, probe) => sum + probe.calls, 0);
  const sample = selected.some((probe) => probe.sampledOut > 0) ? ` of ${counted.toLocaleString('en-US')} calls, sampled evenly` : '';
  status.textContent = `${shown.length} call${shown.length === 1 ? '' : 's'}${hidden > 0 ? ` shown of ${rows.size}` : ''}${sample}${evicted}${paused ? ' · paused' : ''}`;
  empty.hidden = rows.size > 0;
}

function report(): void {
  const rendered = [...tbody.rows].map((tr) => [...tr.cells].map((cell) => cell.textContent ?? ''));
  const stack = stackPane.hidden ? undefined : [stackTitle.textContent ?? '', ...(stackNote.textContent === '' ? [] : [stackNote.textContent ?? '']), ...[...stackList.children].map((li) => li.textContent ?? '')];
  const distribution = distributionLines();
  post({
    type: 'report',
    report: {
      rows: rows.size,
      shown: rows.shown.length,
      paused,
      filter: rows.filter,
      rendered,
      ...(selectedSeq === undefined ? {} : { selected: selectedSeq }),
      ...(stack === undefined ? {} : { stack }),
      ...(distribution.length === 0 ? {} : { distribution }),
    },
  });
}

function handle(message: HostMessage): void {
  switch (message.type) {
    case 'reset':
      probes = message.probes;
      rows.setProbes(probes);
      rows.reset(message.rows);
      paused = message.paused;
      syncControls();
      renderHistograms();
      // The selected row again (a rebuilt webview, or after Clear: gone then).
      select(selectedSeq !== undefined && rows.get(selectedSeq) !== undefined ? selectedSeq : undefined);
      break;
    case 'rows':
      probes = message.probes;
      rows.setProbes(probes);
      rows.add(message.added);
      rows.update(message.updated);
      syncControls();
      renderHistograms();
      break;
    case 'setFilter':
      applyFilter(message.filter);
      break;
    case 'paused':
      paused = message.paused;
      syncControls();
      break;
    case 'stack':
      showStack(message);
      return;
    case 'report':
      render();
      report();
      return;
  }
  scheduleRender();
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = parseHostMessage(event.data);
  if (message !== undefined) handle(message);
});

probeSelect.addEventListener('change', () => applyFilter(readFilter()));
pidSelect.addEventListener('change', () => applyFilter(readFilter()));
textInput.addEventListener('input', () => applyFilter(readFilter()));
scroller.addEventListener('scroll', () => {
  follow = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - ROW_PX;
  scheduleRender();
  saveState();
});
window.addEventListener('resize', scheduleRender);
tbody.addEventListener('click', (event) => {
  const tr = event.target instanceof Element ? event.target.closest('tr') : null;
  if (tr === null) return;
  const row = rows.shown[firstDrawn + tr.sectionRowIndex];
  if (row !== undefined) select(row.seq === selectedSeq ? undefined : row.seq);
});

// Restore what the last webview of this panel had (filter, scroll), then ask for the rows.
const saved = vscode.getState();
if (typeof saved === 'object' && saved !== null) {
  const state = saved as Partial<Record<keyof SavedState, unknown>>;
  rows.setFilter(parseFilter(state.filter) ?? {});
  follow = state.follow !== false;
  if (!follow && typeof state.scrollTop === 'number') restoreScrollTop = state.scrollTop;
  if (typeof state.selectedSeq === 'number') selectedSeq = state.selectedSeq;
}
syncControls();
post({ type: 'ready' });
