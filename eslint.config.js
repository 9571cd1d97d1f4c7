// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.mlops/**', 'model-cards/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', fetch: 'readonly', AbortController: 'readonly', structuredClone: 'readonly', performance: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Browser code (the dashboard) and the shared modules it runs in the browser: only relative
    // run-time imports (the build refuses others too), no Node globals, and data never reaches
    // the page as HTML.
    files: ['src/dashboard/client/**/*.ts', 'src/dashboard/paths.ts', 'src/core/number-format.ts', 'src/evaluation/chart-range.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\.{1,2}/)',
              allowTypeImports: true,
              message: 'The browser loads only relative modules under src/: import packages and Node modules with `import type`, if at all.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'Buffer', 'require', 'module', '__dirname', '__filename', 'global'],
      'no-restricted-properties': [
        'error',
        { property: 'innerHTML', message: 'Data reaches the page through textContent and attributes, never as HTML.' },
        { property: 'outerHTML', message: 'Data reaches the page through textContent and attributes, never as HTML.' },
        { property: 'insertAdjacentHTML', message: 'Data reaches the page through textContent and attributes, never as HTML.' },
        { object: 'document', property: 'write', message: 'Data reaches the page through textContent and attributes, never as HTML.' },
      ],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    // Tests poke into parsed YAML and JSON documents; the code under test keeps its types strict.
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
