import { Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';

@ApiTags('billing')
@Controller('v1/usage/alerts')
export class UsageAlertRulesController {}
