export * from './errors';
export * from './close-codes';
export * from './models';
export * from './events';
export * from './requests';
export * from './frame-docs';
export * from './hours';
export * from './intake';
