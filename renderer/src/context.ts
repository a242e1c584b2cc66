import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { UiState, UiStore } from './store.js';

export const UiContext = createContext<UiStore | null>(null);

export function useUi<T>(select: (s: UiState) => T): T {
  const store = useContext(UiContext);
  if (!store) throw new Error('UiContext is missing');
  return useStore(store, select);
}
