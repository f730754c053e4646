/** Where tiles go: the number of columns and rows that gives each of `count` tiles the most room. */
export interface GridShape {
  columns: number;
  rows: number;
}

/**
 * Tries every column count and keeps the one whose tiles (kept at `aspect` = width / height) are
 * largest inside a `width` × `height` area. An area of unknown size gets a roughly square grid.
 */
export function bestGrid(count: number, width: number, height: number, aspect = 16 / 9): GridShape {
  if (count <= 0) return { columns: 1, rows: 1 };
  if (width <= 0 || height <= 0) {
    const columns = Math.ceil(Math.sqrt(count));
    return { columns, rows: Math.ceil(count / columns) };
  }
  let best: GridShape = { columns: 1, rows: count };
  let bestArea = -1;
  for (let columns = 1; columns <= count; columns++) {
    const rows = Math.ceil(count / columns);
    const tileWidth = Math.min(width / columns, (height / rows) * aspect);
    const area = tileWidth * (tileWidth / aspect);
    // On a tie the wider arrangement wins: screens are mostly landscape.
    if (area >= bestArea) {
      bestArea = area;
      best = { columns, rows };
    }
  }
  return best;
}
