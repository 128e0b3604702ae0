/** `@medchat/sdk/staff`: the whole client (`MedChat`), for a staff console; everything the patient entry has, too. */
export * from './patient';
export { MedChat } from './client';
export type { CreateEmployee, UpdateEmployee } from './resources/employees';
export type { Employees } from './resources/employees';
export type { Assignments } from './resources/assignments';
export type { Queue } from './resources/queue';
export type { StaffSessions } from './resources/sessions';
