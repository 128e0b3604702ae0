import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    patient: 'src/patient.ts',
    staff: 'src/staff.ts',
    admin: 'src/admin.ts',
    notes: 'src/notes.ts',
    records: 'src/records.ts',
    attachments: 'src/attachments.ts',
    protocol: 'src/protocol/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  treeshake: true,
  // The protocol entry carries the TypeBox schemas; the main entry imports types only.
  external: ['@sinclair/typebox'],
});
