// The Create view's work: turn the form into a request, run it, keep the result in the gallery,
// and remember the last traced run for the Inspect view.
import type { Frames, GenerationRequest } from '../../engine/protocol.ts';
import { explain, type Explained } from '../lib/errors.ts';
import { sliceFrames } from '../lib/frames.ts';
import type { EngineState, Run } from './engine.svelte.ts';
import type { GalleryState } from './gallery.svelte.ts';
import type { Settings } from './settings.svelte.ts';

/** Frames a continuation starts from, and where they came from, for the UI. */
export interface ContextSource {
  frames: Frames;
  label: string;
}

export class CreateState {
  run = $state.raw<Run | null>(null);
  /** The latest run made with a trace: what the Inspect view shows. */
  inspected = $state.raw<Run | null>(null);
  compare = $state.raw<{ student: Run; teacher: Run } | null>(null);
  context = $state.raw<ContextSource | null>(null);
  savedId = $state<string | null>(null);
  saveError = $state.raw<Explained | null>(null);

  readonly #engine: EngineState;
  readonly #settings: Settings;
  readonly #gallery: GalleryState;

  constructor(engine: EngineState, settings: Settings, gallery: GalleryState) {
    this.#engine = engine;
    this.#settings = settings;
    this.#gallery = gallery;
  }

  get modelId(): string {
    return this.#settings.modelId || this.#engine.defaultModelId || '';
  }

  /** The request the form describes; context trimmed to what the model takes. */
  request(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
    const s = this.#settings;
    const modelId = overrides.modelId ?? this.modelId;
    const summary = this.#engine.summaries[modelId];
    let context = this.context?.frames;
    if (context && summary) {
      const take = Math.min(context.frameCount, summary.contextFrames);
      context = take > 0 ? sliceFrames(context, context.frameCount - take, take) : undefined;
    }
    return {
      modelId,
      prompt: s.prompt,
      seed: s.seed,
      steps: s.steps,
      guidance: s.guidance,
      preview: s.trace ? 'both' : 'x0',
      trace: s.trace,
      backend: s.backend,
      ...(context ? { context } : {}),
      ...overrides,
    };
  }

  get busy(): boolean {
    return this.run?.active === true;
  }

  generate(): Run | null {
    if (this.busy || this.#settings.problems.length > 0 || !this.modelId) return null;
    const request = this.request();
    const run = this.#engine.run(request, 'create');
    this.run = run;
    this.savedId = null;
    this.saveError = null;
    if (request.trace) this.inspected = run;
    void run.done.then(async (clip) => {
      if (!clip) return;
      try {
        const item = await this.#gallery.save(clip, clip.params, 'generated', clip.milliseconds);
        if (this.run === run) this.savedId = item.id;
      } catch (error) {
        if (this.run === run) this.saveError = explain(error);
      }
    });
    return run;
  }

  cancel(): void {
    if (this.run) this.#engine.cancel(this.run);
  }

  /** Student and teacher on the same prompt and seed, one after the other, both traced. */
  async compareWithTeacher(): Promise<void> {
    const studentId = this.modelId;
    const student = await this.#engine.ensureModel(studentId);
    const teacherId =
      student.teacher ?? this.#engine.shipped.find((m) => m.role === 'teacher' && m.id !== studentId)?.id;
    if (!teacherId) throw new Error(`model ${studentId} names no teacher to compare with`);
    const teacher = await this.#engine.ensureModel(teacherId);
    const studentRun = this.#engine.run(this.request({ preview: 'x0', trace: true }), 'student');
    const teacherRun = this.#engine.run(
      this.request({
        modelId: teacherId,
        steps: teacher.defaultSteps,
        guidance: teacher.defaultGuidance,
        preview: 'x0',
        trace: true,
      }),
      'teacher',
    );
    this.compare = { student: studentRun, teacher: teacherRun };
  }

  /** Continue from the last frames of a clip. */
  extendFrom(frames: Frames, label: string, contextFrames = 2): void {
    const take = Math.min(contextFrames, frames.frameCount);
    this.context = { frames: sliceFrames(frames, frames.frameCount - take, take), label };
  }

  clearContext(): void {
    this.context = null;
  }
}
