import { join } from 'node:path';
import { StrataError } from '../spec/errors.ts';
import { buildStudio } from '../studio/build.ts';
import { parseFlags } from './args.ts';

export const STUDIO_USAGE = `strata studio [--out DIR]
a teaching page that runs the real simulator in the browser: pick a DRAM standard, AiM's all-bank PIM (GDDR6) or
NeuPIMs (HBM2, one or two row buffers per bank), a generated or typed trace of up to 1,000 requests, a PIM GEMV, or
one request's attention beside an NPU's reads and writes, then step through any channel's command stream; each
command says which timing rule held it back, with the earlier command and the cycles. Writes DIR/index.html
(default out/studio), one self-contained file that opens offline from file://. A checkout bundles the TypeScript
sources with esbuild (a devDependency); an installed package uses the scripts \`npm run build\` prebuilt`;

/** `strata studio`: builds the teaching page. */
export async function studioCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags('studio', argv, { out: { type: 'string' } });
  if (positionals.length) throw new StrataError(`studio: unexpected argument '${positionals[0]}' (expected only --out DIR)`);
  const outDir = values.out ?? join('out', 'studio');
  const b = await buildStudio(outDir);
  console.log(`studio: ${b.file} (${(b.bytes / 1024).toFixed(0)} KB: the simulator ${(b.workerBytes / 1024).toFixed(0)} KB as a Web Worker, the page's script ${(b.appBytes / 1024).toFixed(0)} KB, the standards as JSON; the scripts ${b.scripts === 'prebuilt' ? 'prebuilt by npm run build' : 'bundled now from the TypeScript sources'}); open it in a browser, no server needed`);
  return 0;
}
