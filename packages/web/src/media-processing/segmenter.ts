// The segmentation model and its WebAssembly runtime are files of Parley's own build (Vite emits
// them under /assets with hashed names, listed in /client-manifest.json): nothing comes from a CDN.
// They are MediaPipe's selfie segmentation solution (@mediapipe/selfie_segmentation), which ships
// its model files in the package. (@mediapipe/tasks-vision cannot run this model file: it lacks
// the metadata the newer runtime needs, and no npm package ships the newer model.)
import graphUrl from '@mediapipe/selfie_segmentation/selfie_segmentation.binarypb?url';
import solutionUrl from '@mediapipe/selfie_segmentation/selfie_segmentation.js?url';
import modelUrl from '@mediapipe/selfie_segmentation/selfie_segmentation.tflite?url';
import landscapeModelUrl from '@mediapipe/selfie_segmentation/selfie_segmentation_landscape.tflite?url';
import loaderUrl from '@mediapipe/selfie_segmentation/selfie_segmentation_solution_simd_wasm_bin.js?url';
import wasmUrl from '@mediapipe/selfie_segmentation/selfie_segmentation_solution_simd_wasm_bin.wasm?url';

/** A picture MediaPipe reads. */
export type SegmenterInput = HTMLVideoElement | HTMLCanvasElement;

/** The solution's own API (its script defines `SelfieSegmentation` on the page). */
interface Solution {
  setOptions(options: { modelSelection?: number; selfieMode?: boolean }): void;
  onResults(listener: (results: { segmentationMask: CanvasImageSource }) => void): void;
  initialize(): Promise<void>;
  send(inputs: { image: SegmenterInput }): Promise<void>;
  close(): Promise<void>;
}
type SolutionClass = new (config: { locateFile: (file: string) => string }) => Solution;

/** The files the solution asks for, by name: all served by Parley. */
const FILES: Record<string, string> = {
  'selfie_segmentation.binarypb': graphUrl,
  'selfie_segmentation.tflite': modelUrl,
  'selfie_segmentation_landscape.tflite': landscapeModelUrl,
  'selfie_segmentation_solution_simd_wasm_bin.js': loaderUrl,
  'selfie_segmentation_solution_simd_wasm_bin.wasm': wasmUrl,
};

function locateFile(file: string): string {
  const url = FILES[file];
  // Only the SIMD build is shipped (every browser Parley supports has WebAssembly SIMD).
  if (!url) throw new Error(`segmentation file not shipped: ${file}`);
  return url;
}

/** Runs a classic script of Parley's own (the solution is not an ES module). */
function loadScript(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('segmentation script failed to load'));
    document.head.append(script);
  });
}

let solutionClass: Promise<SolutionClass> | null = null;

function loadSolutionClass(): Promise<SolutionClass> {
  solutionClass ??= loadScript(solutionUrl).then(() => {
    const found = (globalThis as { SelfieSegmentation?: SolutionClass }).SelfieSegmentation;
    if (!found) throw new Error('segmentation script defined no SelfieSegmentation');
    return found;
  });
  solutionClass.catch(() => {
    solutionClass = null;
  });
  return solutionClass;
}

/**
 * Finds the person in camera frames. The mask it hands out is a picture whose alpha is the
 * confidence that a pixel shows the person; it is valid only inside the callback.
 */
export class PersonSegmenter {
  private use: ((mask: CanvasImageSource) => void) | null = null;

  private constructor(private readonly solution: Solution) {
    solution.onResults((results) => this.use?.(results.segmentationMask));
  }

  /** Loads the runtime and the model from Parley's own origin. */
  static async load(): Promise<PersonSegmenter> {
    const Solution = await loadSolutionClass();
    const solution = new Solution({ locateFile });
    // The landscape model (144×256) is the one for 16:9 camera pictures, and the cheaper one.
    solution.setOptions({ modelSelection: 1, selfieMode: false });
    await solution.initialize();
    return new PersonSegmenter(solution);
  }

  /** Segments `image` and calls `use` with the mask before resolving. */
  async segment(image: SegmenterInput, use: (mask: CanvasImageSource) => void): Promise<void> {
    this.use = use;
    try {
      await this.solution.send({ image });
    } finally {
      this.use = null;
    }
  }

  close(): Promise<void> {
    return this.solution.close();
  }
}
