import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { UiState, UiStore } from './store.js';

export const UiContext = createContext<UiStore | null>(null);

/** The store itself, for code that reads it when it runs (a timer's tick) rather than re-rendering on every change. */
export function useUiStore(): UiStore {
  const store = useContext(UiContext);
  if (!store) throw new Error('UiContext is missing');
  return store;
}

export function useUi<T>(select: (s: UiState) => T): T {
  const store = useContext(UiContext);
  if (!store) throw new Error('UiContext is missing');
  return useStore(store, select);
}
