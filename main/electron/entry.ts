import { boot } from './main.js';

void boot();
