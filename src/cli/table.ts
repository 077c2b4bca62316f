/** C0 controls, DEL, C1 controls: what a terminal may act on instead of printing, ESC sequences included. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text safe to print to a terminal: each control character becomes a visible `\xHH`, so that stored
 * data (a span name with an escape sequence) cannot move the cursor, recolour, retitle or clear it.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Renders rows as aligned text columns, cutting long cells so that a row stays on one line. */
export function renderTable(headers: string[], rows: string[][], maxCell = 48): string {
  const cut = (cell: string) => {
    // Line breaks and tabs become one space; runs of spaces stay, so that a tree keeps its indentation.
    const flat = escapeControls(cell.replace(/\s*[\r\n\t\f\v]\s*/g, ' '));
    return flat.length > maxCell ? `${flat.slice(0, maxCell - 1)}…` : flat;
  };
  const cells = [headers, ...rows].map((row) => row.map(cut));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), line(widths.map((width) => '-'.repeat(width))), ...cells.slice(1).map(line)].join('\n');
}

export function formatDuration(nanoseconds: bigint): string {
  const ms = Number(nanoseconds) / 1e6;
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 3 : 1)} ms`;
}
