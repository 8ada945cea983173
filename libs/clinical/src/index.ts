export * from './clinical.module';
export * from './clinical.service';
export * from './patient-ref';
