import js from '@eslint/js';
import tseslint from 'typescript-eslint';
export default tseslint.config(
	{ignores: ['dist/**', 'docs/api/**', 'node_modules/**']},
	js.configs.recommended,
	...tseslint.configs.recommendedTypeChecked,
	{languageOptions: {parserOptions: {projectService: true, tsconfigRootDir: import.meta.dirname}}},
	// Plain JavaScript (this file, the benchmark's worker) is outside the TypeScript project.
	{files: ['**/*.mjs'], ...tseslint.configs.disableTypeChecked},
	// Plain Node programs: the repository's checks (scripts/) and the specs' child processes.
	{files: ['scripts/**/*.mjs', 'spec/fixtures/**/*.mjs'], languageOptions: {globals: {console: 'readonly', process: 'readonly'}}},
);
