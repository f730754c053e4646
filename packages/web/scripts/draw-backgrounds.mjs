// Draws the background pictures Parley ships (src/media-processing/backgrounds/*.svg): simple
// generated scenes, no third-party artwork. Run `node packages/web/scripts/draw-backgrounds.mjs`
// after changing a scene here; the output is committed.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const W = 1280;
const H = 720;
const out = path.resolve(import.meta.dirname, '../src/media-processing/backgrounds');

const svg = (title, defs, body) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">` +
  `<title>${title}</title><defs>${defs}</defs>${body}</svg>\n`;
const linear = (id, stops, vertical = true) =>
  `<linearGradient id="${id}" x1="0" y1="0" x2="${vertical ? 0 : 1}" y2="${vertical ? 1 : 0}">` +
  stops.map(([offset, color]) => `<stop offset="${offset}" stop-color="${color}"/>`).join('') +
  '</linearGradient>';

/** A smooth hill line through evenly spaced heights, closed to the bottom edge. */
function hills(heights, color) {
  const step = W / (heights.length - 1);
  let d = `M0 ${H} L0 ${heights[0]}`;
  for (let i = 1; i < heights.length; i++) {
    const x0 = (i - 1) * step;
    const x1 = i * step;
    d += ` C${x0 + step / 2} ${heights[i - 1]} ${x1 - step / 2} ${heights[i]} ${x1} ${heights[i]}`;
  }
  return `<path d="${d} L${W} ${H} Z" fill="${color}"/>`;
}

const scenes = {
  // Morning hills: a warm sky, a low sun, three layers of hills.
  hills: svg(
    'Hills in the morning',
    linear('sky', [
      [0, '#f6d7a7'],
      [0.55, '#f3b27a'],
      [1, '#e98a6b'],
    ]),
    `<rect width="${W}" height="${H}" fill="url(#sky)"/>` +
      `<circle cx="930" cy="300" r="90" fill="#fff4d6" opacity="0.9"/>` +
      hills([430, 380, 410, 360, 400, 370], '#9a7aa0') +
      hills([520, 470, 500, 450, 490, 470], '#6f5e8e') +
      hills([600, 580, 620, 560, 590, 610], '#3f4a6b'),
  ),
  // A lake at dusk: sky, far shore, water with a few lighter strokes.
  lake: svg(
    'A lake at dusk',
    linear('sky', [
      [0, '#1d2b53'],
      [0.6, '#5a6fa8'],
      [1, '#c9b6d8'],
    ]) +
      linear('water', [
        [0, '#6a7fb4'],
        [1, '#22305c'],
      ]),
    `<rect width="${W}" height="${H}" fill="url(#sky)"/>` +
      hills([400, 390, 405, 385, 398, 392], '#2a3558') +
      `<rect y="410" width="${W}" height="${H - 410}" fill="url(#water)"/>` +
      [0, 1, 2, 3, 4, 5]
        .map(
          (i) =>
            `<rect x="${200 + i * 150}" y="${450 + i * 40}" width="${260 - i * 20}" height="4" rx="2" fill="#aebde3" opacity="0.5"/>`,
        )
        .join(''),
  ),
  // A calm room: a wall, a window, a shelf with books, a floor.
  room: svg(
    'A calm room',
    linear('wall', [
      [0, '#e9e4da'],
      [1, '#d8d0c2'],
    ]) +
      linear('view', [
        [0, '#a8c8e8'],
        [1, '#dcebf5'],
      ]),
    `<rect width="${W}" height="${H}" fill="url(#wall)"/>` +
      `<rect y="600" width="${W}" height="120" fill="#a98b6d"/>` +
      `<rect x="820" y="110" width="320" height="260" fill="#f7f4ee"/>` +
      `<rect x="835" y="125" width="290" height="230" fill="url(#view)"/>` +
      `<rect x="977" y="125" width="6" height="230" fill="#f7f4ee"/>` +
      `<rect x="120" y="260" width="380" height="14" fill="#8a6a4f"/>` +
      [
        ['#5b7c99', 30, 90],
        ['#b5654d', 26, 110],
        ['#6f9a6b', 34, 96],
        ['#d9b45a', 24, 80],
        ['#7d6aa0', 30, 104],
      ].reduce(
        (acc, [color, width, height]) => ({
          x: acc.x + width + 6,
          svg: `${acc.svg}<rect x="${acc.x}" y="${260 - height}" width="${width}" height="${height}" fill="${color}"/>`,
        }),
        { x: 140, svg: '' },
      ).svg +
      `<rect x="420" y="200" width="50" height="60" rx="6" fill="#c47a52"/>` +
      `<circle cx="445" cy="180" r="34" fill="#5f8f5a"/>`,
  ),
};

for (const [name, text] of Object.entries(scenes)) writeFileSync(path.join(out, `${name}.svg`), text);
console.log(`wrote ${Object.keys(scenes).length} backgrounds to ${out}`);
