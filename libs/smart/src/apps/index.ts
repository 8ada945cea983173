export * from './smart-app-credentials';
export * from './smart-app.schemas';
export * from './smart-app.views';
export * from './smart-apps.module';
export * from './smart-apps.service';
