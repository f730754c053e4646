// `npm run soak`: the full soak (200 join/leave cycles and floods) against a built server; prints the
// figures and exits 1 when a margin is broken. SOAK_CYCLES=n runs n cycles instead.
import { MediaBot } from '@parley/media-bot';
import { runSoak, SOAK_MARGINS } from './soak.js';

const cycles = Number(process.env.SOAK_CYCLES ?? 200);
const report = await runSoak({ cycles, log: (line) => console.log(line) });
// Bounded like the teardown in runSoak: the figures are in, whatever native cleanup does.
await Promise.race([MediaBot.releaseNative(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
console.log(JSON.stringify({ margins: SOAK_MARGINS, ...report }, null, 2));
if (report.failures.length > 0) {
  console.error(`soak failed: ${report.failures.join('; ')}`);
  process.exit(1);
}
console.log(`soak passed: ${report.cycles} cycles and ${report.floods} flood rounds in ${report.seconds} s`);
process.exit(0);
