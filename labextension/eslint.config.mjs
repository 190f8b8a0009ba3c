// ESLint for the sidebar's TypeScript (npm run lint): the recommended rules of ESLint and
// typescript-eslint, nothing stricter; layout is prettier's (npm run format:check).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // lib/ is tsc's output; api-types.ts is generated (npm run gen:types)
  { ignores: ['lib/', 'src/api-types.ts'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // the build and test configs and scripts/ run in node
    files: ['*.js', '*.mjs', 'scripts/**'],
    languageOptions: {
      globals: {
        URL: 'readonly',
        console: 'readonly',
        module: 'writable',
        process: 'readonly',
        require: 'readonly'
      }
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  }
);
