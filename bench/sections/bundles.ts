/** Bundle sizes of the SDK and the widget beside their floors, measured by scripts/size.ts like the budgets in `npm test`. */
import { type BundleSize, bundleWithBun, sdkSize, sizeOf, widgetSizes } from '../../scripts/size';
import { ROOT } from '../lib/procs';
import type { Unit } from '../lib/report';
import { errorText } from '../lib/util';
import { TARGETS, begin, failRows, row } from '../lib/suite';

export function bundleSpecs(which: 'sdk' | 'widget') {
  const floorLabel = which === 'sdk' ? 'minimal client' : 'minimal Lit element';
  const name = which === 'sdk' ? 'SDK' : 'widget';
  const budget = which === 'sdk' ? TARGETS.sdkGzipKb : TARGETS.widgetGzipKb;
  return [
    { id: `bundle.${which}.min`, label: `${name} bundle, min`, unit: 'KB' as Unit, target: '', floorLabel },
    { id: `bundle.${which}.gzip`, label: `${name} bundle, min+gzip`, unit: 'KB' as Unit, target: `≤ ${budget} KB`, floorLabel },
  ] as const;
}

const HOW = { sdk: 'Bun.build of sdk/src/index.ts (scripts/size.ts)', widget: 'a fresh rollup build of widget/rollup.config.mjs (scripts/size.ts)' };

export async function bundles() {
  begin('bundle sizes');
  const KB = 1024;
  let floors: { sdk: BundleSize; widget: BundleSize } | null = null;
  let floorError = '';
  try {
    floors = {
      sdk: sizeOf(await bundleWithBun(`${ROOT}bench/floors/min-client.ts`)),
      widget: sizeOf(await bundleWithBun(`${ROOT}bench/floors/lit-element.ts`)),
    };
  } catch (error) {
    floorError = errorText(error);
  }
  for (const which of ['sdk', 'widget'] as const) {
    const [minSpec, gzSpec] = bundleSpecs(which);
    const floor = floors?.[which] ?? null;
    try {
      const size = which === 'sdk' ? await sdkSize() : (await widgetSizes()).module;
      const budget = which === 'sdk' ? TARGETS.sdkGzipKb : TARGETS.widgetGzipKb;
      row({
        ...minSpec,
        value: size.min / KB,
        floor: floor ? floor.min / KB : null,
        met: null,
        note: floor ? `measured with ${HOW[which]}` : `measured with ${HOW[which]}; floor failed: ${floorError}`,
      });
      row({ ...gzSpec, value: size.gzip / KB, floor: floor ? floor.gzip / KB : null, met: size.gzip / KB <= budget });
    } catch (error) {
      failRows([minSpec, gzSpec], errorText(error));
    }
  }
}
