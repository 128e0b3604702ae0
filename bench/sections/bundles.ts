/** Bundle sizes of the SDK (its main and admin entries) and the widget beside their floors, measured by scripts/size.ts like the budgets in `npm test`. */
import { BUDGETS, type BundleSize, bundleWithBun, sdkAdminSize, sdkSize, sizeOf, widgetSizes } from '../../scripts/size';
import { ROOT } from '../lib/procs';
import type { Unit } from '../lib/report';
import { errorText } from '../lib/util';
import { TARGETS, begin, failRows, row } from '../lib/suite';

export type BundleKind = 'sdk' | 'sdk_admin' | 'widget' | 'widget_loader';
export const BUNDLE_KINDS: readonly BundleKind[] = ['sdk', 'sdk_admin', 'widget', 'widget_loader'];

/** How each bundle is named, built and judged, and the floor beside it (bench/floors/). */
const KINDS: Record<BundleKind, { name: string; floorLabel: string; floor: string; budgetKb: number; how: string; size: () => Promise<BundleSize> }> = {
  sdk: {
    name: 'SDK',
    floorLabel: 'minimal client',
    floor: 'min-client.ts',
    budgetKb: TARGETS.sdkGzipKb,
    how: 'Bun.build of sdk/src/index.ts (scripts/size.ts)',
    size: sdkSize,
  },
  sdk_admin: {
    name: 'SDK admin entry',
    floorLabel: 'minimal admin calls',
    floor: 'min-admin.ts',
    budgetKb: BUDGETS.sdkAdmin / 1024,
    how: 'Bun.build of sdk/src/admin.ts alone (scripts/size.ts)',
    size: sdkAdminSize,
  },
  widget: {
    name: 'widget',
    floorLabel: 'minimal Lit element',
    floor: 'lit-element.ts',
    budgetKb: TARGETS.widgetGzipKb,
    how: 'a fresh rollup build of widget/rollup.config.mjs, the conversation (medchat-chat.js; scripts/size.ts)',
    size: async () => (await widgetSizes()).chat,
  },
  widget_loader: {
    name: 'widget loader',
    floorLabel: 'minimal Lit element',
    floor: 'lit-element.ts',
    budgetKb: BUDGETS.widgetLoader / 1024,
    how: 'a fresh rollup build of widget/rollup.config.mjs, the loader the page holds (medchat-widget.js; scripts/size.ts)',
    size: async () => (await widgetSizes()).module,
  },
};

export function bundleSpecs(which: BundleKind) {
  const { name, floorLabel, budgetKb } = KINDS[which];
  return [
    { id: `bundle.${which}.min`, label: `${name} bundle, min`, unit: 'KB' as Unit, target: '', floorLabel },
    { id: `bundle.${which}.gzip`, label: `${name} bundle, min+gzip`, unit: 'KB' as Unit, target: `≤ ${budgetKb} KB`, floorLabel },
  ] as const;
}

export async function bundles() {
  begin('bundle sizes');
  const KB = 1024;
  for (const which of BUNDLE_KINDS) {
    const { how, size: measure, floor: floorFile, budgetKb } = KINDS[which];
    const [minSpec, gzSpec] = bundleSpecs(which);
    let floor: BundleSize | null = null;
    let floorError = '';
    try {
      floor = sizeOf(await bundleWithBun(`${ROOT}bench/floors/${floorFile}`));
    } catch (error) {
      floorError = errorText(error);
    }
    try {
      const size = await measure();
      row({
        ...minSpec,
        value: size.min / KB,
        floor: floor ? floor.min / KB : null,
        met: null,
        note: floor ? `measured with ${how}` : `measured with ${how}; floor failed: ${floorError}`,
      });
      row({ ...gzSpec, value: size.gzip / KB, floor: floor ? floor.gzip / KB : null, met: size.gzip / KB <= budgetKb });
    } catch (error) {
      failRows([minSpec, gzSpec], errorText(error));
    }
  }
}
