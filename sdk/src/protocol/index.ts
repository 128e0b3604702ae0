export * from './errors';
export * from './close-codes';
export * from './models';
export * from './events';
