import { minMax } from './common/families.js';

export const MINIMUM = minMax('MINIMUM', Math.min);
