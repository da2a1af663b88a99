import { minMax } from './common/families.js';

export const MAXIMUM = minMax('MAXIMUM', Math.max);
