export * from './enums';
export * from './clinics';
export * from './users';
export * from './sessions';
export * from './messages';
export * from './audit';
export * from './hours';
export * from './webhooks';
