import * as core from '@actions/core';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Logger, SourceLocation } from '../core/logger.js';

/**
 * The Logger for actions: info and progress go to the log, warnings and errors become
 * annotations (`::warning file=…,line=…::`), placed on the file and line when the problem has
 * one, with paths relative to the repository as GitHub needs them to show on the file.
 */
export interface ActionsLoggerOptions {
  /** The checkout root (GITHUB_WORKSPACE): annotation paths are relative to it. */
  workspaceRoot: string;
  /** Folder that relative file names in messages are relative to (the config's folder). */
  baseDir?: string;
}

/** Annotation properties for a source location. */
export function annotationFor(where: SourceLocation | undefined, options: ActionsLoggerOptions): core.AnnotationProperties | undefined {
  if (!where?.file) return undefined;
  const absolute = isAbsolute(where.file) ? where.file : resolve(options.baseDir ?? options.workspaceRoot, where.file);
  const file = relative(options.workspaceRoot, absolute);
  return {
    file: file.startsWith('..') ? absolute : file,
    ...(where.line !== undefined ? { startLine: where.line } : {}),
    ...(where.column !== undefined ? { title: `column ${where.column}` } : {}),
  };
}

/** A Logger writing through @actions/core. */
export function createActionsLogger(options: ActionsLoggerOptions): Logger & { setBaseDir(dir: string): void } {
  const settings = { ...options };
  return {
    info: (message) => core.info(message),
    warn: (message, where) => core.warning(message, annotationFor(where, settings)),
    error: (message, where) => core.error(message, annotationFor(where, settings)),
    progress: (message) => core.info(message),
    debug: (message) => core.debug(message),
    setBaseDir(dir: string) {
      settings.baseDir = dir;
    },
  };
}
