// The package's root: everything, as `@medchat/sdk/staff`. A patient's app imports `@medchat/sdk/patient`, which
// leaves the staff resources out of its bundle.
export * from './staff';
