export * from './echo.service';
export * from './operations';
export * from './transaction-pipeline';
export * from './transactions.module';
