// Types of what rollup.config.mjs exports to scripts/size.ts, which measures the widget as this build makes it.
import type { Plugin, RollupOptions } from 'rollup';

export function plugins(options?: { minify?: boolean }): Plugin[];
export const input: string;
export const inputs: { loader: string; chat: string; frame: string };
declare const config: RollupOptions[];
export default config;
