import { defineConfig } from 'prisma/config';
import { servicePrismaConfig } from '@ticketing/prisma-migrate/prisma-config';

// Schema, migrations folder and URL by the convention every service shares (see that package).
export default defineConfig(servicePrismaConfig(__dirname));
