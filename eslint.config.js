// ESLint flat config. TypeScript (src/, test/) gets typescript-eslint's type-checked rules, which
// read the types tsc infers; the JavaScript around it (bin/ is CommonJS, scripts/ and this file are
// ES modules) gets ESLint's recommended rules with Node's globals.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** The Node.js globals the JavaScript files may use (no `globals` package needed for a short list). */
const NODE_GLOBALS = Object.fromEntries(
  [
    'AbortController',
    'AbortSignal',
    'Buffer',
    'URL',
    'URLSearchParams',
    'TextDecoder',
    'TextEncoder',
    'clearImmediate',
    'clearInterval',
    'clearTimeout',
    'console',
    'fetch',
    'performance',
    'process',
    'queueMicrotask',
    'setImmediate',
    'setInterval',
    'setTimeout',
    'structuredClone',
  ].map((name) => [name, 'readonly']),
);
const COMMONJS_GLOBALS = { require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly', __filename: 'readonly' };

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', '.tools/', '.tools'] },
  js.configs.recommended,
  {
    rules: {
      // Matching control characters is the point where it happens: ANSI colour codes, and the characters XML cannot carry.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // YAML scalars of any type (string, number, boolean) are compared as their text with String() on purpose.
      '@typescript-eslint/no-base-to-string': 'off',
      // Target kinds implement async interface methods; some have nothing to await, and `async` keeps their throws as rejections.
      '@typescript-eslint/require-await': 'off',
      // `const { omitted: _omitted, ...rest } = x` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // node:test's test() and describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read the CLI's output back with JSON.parse (any) and check each field with assert at run time.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Assertion messages list arrays as `a,b,c`, the way a template literal prints them.
      '@typescript-eslint/restrict-template-expressions': ['error', { allow: [{ from: 'lib', name: ['Array', 'Error', 'URL', 'URLSearchParams'] }] }],
      // Tests match the text report's two-space columns as printed.
      'no-regex-spaces': 'off',
    },
  },
  {
    files: ['bin/**/*.js', 'plugins/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...NODE_GLOBALS, ...COMMONJS_GLOBALS } },
  },
  {
    files: ['scripts/**/*.mjs', 'action/**/*.mjs', 'eslint.config.js'],
    languageOptions: { sourceType: 'module', globals: NODE_GLOBALS },
  },
);
