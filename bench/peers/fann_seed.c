/* W1, FANN 2.2 peer: the seed's 2-2-2 sigmoid network in double (doublefann), trained online with
 * fann_train (FANN_TRAIN_INCREMENTAL), learning rate 0.5, momentum 0.
 * FANN_SIGMOID is 1/(1+exp(-2 s x)); steepness s = 0.5 makes it the logistic function, and its
 * derivative 2 s y (1 - y) becomes y (1 - y). FANN's error function is set to FANN_ERRORFUNC_LINEAR
 * so the output delta is (T - y) f'(z), as in the seed.
 * FANN trains bias weights as well. With --bias frozen (the default) the four bias connections are
 * written back to the seed's b1 = 0.35, b2 = 0.60 after every step, which reproduces the seed's
 * E_total; --bias trained lets FANN update them (a different, not comparable final E).
 *   fann_seed [--updates 10000] [--repeat 5] [--bias frozen|trained]
 * Prints: RESULT workload=W1 impl=fann updates=U ms=M E=E bias=frozen|trained */
#include <doublefann.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

/* Neuron numbers in fann_create_standard(3, 2, 2, 2): every layer ends with its bias neuron.
 * Layer 0: x1 = 0, x2 = 1, bias = 2.  Layer 1: H1 = 3, H2 = 4, bias = 5.  Layer 2: y1 = 6, y2 = 7.
 * Connections are numbered by destination neuron, then source: H1 <- {0,1,2} are connections 0..2,
 * H2 <- {0,1,2} 3..5, y1 <- {3,4,5} 6..8, y2 <- {3,4,5} 9..11. main() checks this numbering
 * against fann_get_connection_array before relying on it. */
static const unsigned kFrom[12] = {0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5};
static const unsigned kTo[12] = {3, 3, 3, 4, 4, 4, 6, 6, 6, 7, 7, 7};
/* The seed's values in that order: w1 w2 b1, w3 w4 b1, w5 w6 b2, w7 w8 b2. */
static const double kSeed[12] = {0.15, 0.20, 0.35, 0.25, 0.30, 0.35,
                                 0.40, 0.45, 0.60, 0.50, 0.55, 0.60};
static const unsigned kBias[4] = {2, 5, 8, 11};

static struct fann* seed_fann(void) {
  struct fann* ann = fann_create_standard(3, 2, 2, 2);
  struct fann_connection conn[12];
  unsigned k;
  if (!ann || fann_get_total_connections(ann) != 12) {
    fprintf(stderr, "fann_seed: unexpected network layout\n");
    exit(1);
  }
  fann_get_connection_array(ann, conn);
  for (k = 0; k < 12; ++k)
    if (conn[k].from_neuron != kFrom[k] || conn[k].to_neuron != kTo[k]) {
      fprintf(stderr, "fann_seed: connection %u is %u -> %u, expected %u -> %u\n", k,
              conn[k].from_neuron, conn[k].to_neuron, kFrom[k], kTo[k]);
      exit(1);
    }
  for (k = 0; k < 12; ++k) fann_set_weight(ann, kFrom[k], kTo[k], kSeed[k]);
  fann_set_activation_function_hidden(ann, FANN_SIGMOID);
  fann_set_activation_function_output(ann, FANN_SIGMOID);
  fann_set_activation_steepness_hidden(ann, 0.5);
  fann_set_activation_steepness_output(ann, 0.5);
  fann_set_training_algorithm(ann, FANN_TRAIN_INCREMENTAL);
  fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
  fann_set_learning_rate(ann, 0.5f);
  fann_set_learning_momentum(ann, 0.0f);
  return ann;
}

int main(int argc, char** argv) {
  unsigned long updates = 10000, repeat = 5, r, k;
  int frozen = 1;
  double ms[64], e = 0;
  fann_type x[2] = {0.05, 0.10}, t[2] = {0.01, 0.99};
  int a;
  for (a = 1; a + 1 < argc; a += 2) {
    if (!strcmp(argv[a], "--updates")) updates = strtoul(argv[a + 1], NULL, 10);
    else if (!strcmp(argv[a], "--repeat")) repeat = strtoul(argv[a + 1], NULL, 10);
    else if (!strcmp(argv[a], "--bias")) frozen = strcmp(argv[a + 1], "trained") != 0;
    else {
      fprintf(stderr, "fann_seed: unknown flag %s\n", argv[a]);
      return 2;
    }
  }
  if (repeat < 1) repeat = 1;
  if (repeat > 64) repeat = 64;
  for (r = 0; r < repeat; ++r) {
    struct fann* ann = seed_fann();
    fann_type* w = ann->weights; /* public struct (fann_data.h); indexed like the connections */
    fann_type* y;
    double t0 = now_s();
    for (k = 0; k < updates; ++k) {
      fann_train(ann, x, t);
      if (frozen) {
        w[kBias[0]] = 0.35;
        w[kBias[1]] = 0.35;
        w[kBias[2]] = 0.60;
        w[kBias[3]] = 0.60;
      }
    }
    ms[r] = (now_s() - t0) * 1e3;
    y = fann_run(ann, x);
    e = 0.5 * (t[0] - y[0]) * (t[0] - y[0]) + 0.5 * (t[1] - y[1]) * (t[1] - y[1]);
    fann_destroy(ann);
  }
  qsort(ms, repeat, sizeof ms[0], cmp_double);
  printf("RESULT workload=W1 impl=fann updates=%lu ms=%.4f E=%.12g bias=%s\n", updates,
         repeat % 2 ? ms[repeat / 2] : 0.5 * (ms[repeat / 2 - 1] + ms[repeat / 2]), e,
         frozen ? "frozen" : "trained");
  return 0;
}
