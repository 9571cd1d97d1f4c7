import { missingValue } from '../../core/number-format.js';

/**
 * DOM helpers for the dashboard. Text from JSON reaches the page through textContent and
 * attributes only, never as HTML (the lint rules for this folder forbid the HTML sinks).
 */

/** What `el` sets on a new element. */
export interface ElementOptions {
  className?: string;
  id?: string;
  /** Text content; null and undefined leave the element empty. */
  text?: string | number | null;
  title?: string;
  attrs?: Record<string, string | number>;
}

/** A child of `el`: a node, text, or nothing (skipped). */
export type Child = Node | string | null | undefined;

/** A new HTML element with text, attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, options: ElementOptions = {}, children: readonly Child[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.id) node.id = options.id;
  if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
  if (options.title) node.title = options.title;
  for (const [name, value] of Object.entries(options.attrs ?? {})) node.setAttribute(name, String(value));
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** A new SVG element with attributes. */
export function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

/** Inline code. */
export function code(text: string): HTMLElement {
  return el('code', { text });
}

/** The element with this id; a page without it is a bug of the page, not of the data. */
export function byId(id: string): HTMLElement {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}

/** Replaces the children of the element `id` with `nodes` (nulls skipped). */
export function replaceBody(id: string, nodes: readonly (Node | null)[]): void {
  const body = byId(id);
  body.replaceChildren(...nodes.filter((node): node is Node => node !== null));
}

/** Shows a problem at the top of the page. */
export function showError(message: string): void {
  byId('errors').appendChild(el('p', { className: 'notice error', text: message }));
}

/** A label and a large value. */
export function tile(label: string, value: string, id: string): HTMLElement {
  return el('div', { className: 'tile' }, [el('div', { className: 'label', text: label }), el('div', { className: 'value', id, text: value })]);
}

/** A table cell: text (null/undefined: the missing value), a node, or a node with a class for its cell. */
export type Cell = string | number | null | undefined | Node | { node: Node; className: string };

/** A table row: its cells, or its cells with a class and attributes for the row. */
export type Row = readonly Cell[] | { cells: readonly Cell[]; className?: string; attrs?: Record<string, string> };

/** How `table` draws a table. */
export interface TableOptions {
  caption?: string;
  id?: string;
  className?: string;
  /** Per column: right-aligned numbers. */
  numeric?: readonly boolean[];
}

/** A table inside a horizontally scrolling wrapper. */
export function table(headers: readonly string[], rows: readonly Row[], options: TableOptions = {}): HTMLElement {
  const numeric = (i: number): string => (options.numeric?.[i] === true ? 'num' : '');
  const head = el('thead', {}, [el('tr', {}, headers.map((header, i) => el('th', { text: header, className: numeric(i), attrs: { scope: 'col' } })))]);
  const body = el(
    'tbody',
    {},
    rows.map((row) => {
      const cells = 'cells' in row ? row.cells : row;
      const tr = el(
        'tr',
        { className: 'cells' in row ? (row.className ?? '') : '' },
        cells.map((cell, i) => tableCell(cell, numeric(i))),
      );
      if ('cells' in row) for (const [name, value] of Object.entries(row.attrs ?? {})) tr.setAttribute(name, value);
      return tr;
    }),
  );
  const tableNode = el('table', { id: options.id, className: options.className }, [options.caption ? el('caption', { text: options.caption }) : null, head, body]);
  return el('div', { className: 'table-wrap' }, [tableNode]);
}

function tableCell(cell: Cell, className: string): HTMLTableCellElement {
  const td = el('td', { className });
  if (cell instanceof Node) td.appendChild(cell);
  else if (cell !== null && typeof cell === 'object') {
    td.appendChild(cell.node);
    if (cell.className) td.className = `${td.className} ${cell.className}`.trim();
  } else td.textContent = cell === null || cell === undefined ? missingValue : String(cell);
  return td;
}

/** An ISO time as "YYYY-MM-DD HH:MM:SS UTC"; text that is not a time is shown as it is. */
export function formatWhen(iso: string | null | undefined): string {
  if (!iso) return missingValue;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}
