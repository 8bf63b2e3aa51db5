// esbuild bundles the page's stylesheet from its import in main.ts into report.css.
declare module '*.css';
