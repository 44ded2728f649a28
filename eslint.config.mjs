// Lint rules: typescript-eslint's type-aware recommended set for the TypeScript (no `any`, no
// floating promises), plain recommended rules for the build scripts and tests.

import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'media/dist/**', 'node_modules/**', 'native/**', 'bpf/**', 'test/vm/work/**'] },
  {
    files: ['**/*.mjs', '**/*.js', 'bin/probe-lens'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['bin/probe-lens'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
);
