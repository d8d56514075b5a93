/* W3, FANN 2.2 peer: a 784-256-128-10 network trained online (fann_train, FANN_TRAIN_INCREMENTAL)
 * on the first --samples Fashion-MNIST training images, pixels / 255, one pass in file order.
 * FANN 2.2 has neither ReLU nor softmax (fann_activationfunc_enum stops at FANN_LINEAR_PIECE,
 * FANN_LINEAR_PIECE_SYMMETRIC, FANN_SIN/COS...), so this is the nearest network it can train:
 * hidden FANN_SIGMOID_SYMMETRIC with steepness 1 (= tanh), output FANN_LINEAR with steepness 1
 * (identity), FANN_ERRORFUNC_LINEAR (plain (T - y) f'(z) deltas, i.e. SGD on half-SSE against
 * one-hot targets), learning rate --lr (0.01), momentum 0, weights U[-0.1, 0.1] from srand(1).
 * Ours in the same configuration: bench_online --net tanh-mse. float (libfloatfann).
 *   fann_mlp_online [--samples 10000] [--data DIR] [--lr 0.01]
 * Prints: RESULT workload=W3 impl=fann net=tanh-mse samples=S threads=1 samples_per_s=R loss=L */
#include <floatfann.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Reads `count` bytes after an IDX header of `header` bytes from a (gzipped) file; exits on error. */
static unsigned char* read_idx(const char* path, unsigned header, unsigned long count) {
  gzFile f = gzopen(path, "rb");
  unsigned char head[16];
  unsigned char* data = malloc(count);
  if (!f || !data || gzread(f, head, header) != (int)header ||
      gzread(f, data, (unsigned)count) != (int)count) {
    fprintf(stderr, "fann_mlp_online: cannot read %lu values from %s\n", count, path);
    exit(1);
  }
  gzclose(f);
  return data;
}

int main(int argc, char** argv) {
  const char* dir = "/usr/share/datasets/fashion-mnist";
  unsigned long S = 10000, n, i;
  float lr = 0.01f;
  char path[1024];
  unsigned char *pix, *lab;
  fann_type *x, t[10];
  struct fann* ann;
  double t0, secs;
  int a;
  for (a = 1; a + 1 < argc; a += 2) {
    if (!strcmp(argv[a], "--samples")) S = strtoul(argv[a + 1], NULL, 10);
    else if (!strcmp(argv[a], "--data")) dir = argv[a + 1];
    else if (!strcmp(argv[a], "--lr")) lr = strtof(argv[a + 1], NULL);
    else {
      fprintf(stderr, "fann_mlp_online: unknown flag %s\n", argv[a]);
      return 2;
    }
  }
  if (S < 1 || S > 60000) {
    fprintf(stderr, "fann_mlp_online: --samples %lu; expected 1..60000\n", S);
    return 2;
  }
  snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", dir);
  pix = read_idx(path, 16, S * 784);
  snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte.gz", dir);
  lab = read_idx(path, 8, S);
  x = malloc(S * 784 * sizeof *x);
  for (i = 0; i < S * 784; ++i) x[i] = (fann_type)pix[i] / 255.0f;

  srand(1);
  ann = fann_create_standard(4, 784, 256, 128, 10);
  fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
  fann_set_activation_function_output(ann, FANN_LINEAR);
  fann_set_activation_steepness_hidden(ann, 1.0f);
  fann_set_activation_steepness_output(ann, 1.0f);
  fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
  fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
  fann_set_learning_rate(ann, lr);
  fann_set_learning_momentum(ann, 0.0f);
  fann_reset_MSE(ann);

  t0 = now_s();
  for (n = 0; n < S; ++n) {
    for (i = 0; i < 10; ++i) t[i] = i == lab[n] ? 1.0f : 0.0f;
    fann_train(ann, x + n * 784, t);
  }
  secs = now_s() - t0;
  /* fann_get_MSE averages (T - y)^2 over samples and outputs; half-SSE per sample = MSE * 10 / 2. */
  printf("RESULT workload=W3 impl=fann net=tanh-mse samples=%lu threads=1 samples_per_s=%.1f loss=%.6g\n", S,
         (double)S / secs, 5.0 * fann_get_MSE(ann));
  fann_destroy(ann);
  free(x);
  free(pix);
  free(lab);
  return 0;
}
