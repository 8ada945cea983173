export * from './epic.adapter';
