// Writes src/api-types.ts, the TypeScript types of the team server's records and routes,
// from the committed OpenAPI document (itself generated from the Python msgspec Structs),
// so the sidebar's types are never written by hand.
//   node scripts/gen-types.mjs           write src/api-types.ts   (npm run gen:types)
//   node scripts/gen-types.mjs --check   fail when it differs     (npm run check:types)
// The build runs the first, run-tests.sh the second: a stale file can neither ship nor pass CI.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';

const SPEC = new URL('../../jupyter_grid_collab/teamserver/openapi.json', import.meta.url);
const OUT = new URL('../src/api-types.ts', import.meta.url);
const HEADER = `/**
 * GENERATED: do not edit. The team server's records and routes, from
 * jupyter_grid_collab/teamserver/openapi.json by openapi-typescript
 * (labextension/scripts/gen-types.mjs). Regenerate: \`npm run gen:types\` in labextension/.
 * Import the records through model.ts.
 */

`;

async function generate() {
  // emptyObjectsUnknown: a free-form object (a run's params) is Record<string, unknown>,
  // not openapi-typescript's default Record<string, never>
  const ast = await openapiTS(SPEC, { emptyObjectsUnknown: true });
  return HEADER + astToString(ast);
}

const wanted = await generate();
const current = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
if (process.argv.includes('--check')) {
  if (current !== wanted) {
    console.error(
      'src/api-types.ts is not what openapi.json gives now: run `npm run gen:types` ' +
        'in labextension/ and commit it'
    );
    process.exit(1);
  }
  console.log('src/api-types.ts matches openapi.json');
} else if (current !== wanted) {
  // written only when it changes, so an unchanged build keeps tsc's incremental state
  writeFileSync(OUT, wanted);
  console.log('wrote src/api-types.ts');
}
