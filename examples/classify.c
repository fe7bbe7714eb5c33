/* classify.c: runs a CRATE classifier compiled by crate-compile on a raw
 * float32 input file and prints the top classes of each image.
 *
 *   cc classify.c -I OUT -L OUT -lcrate_mini -Wl,-rpath,OUT -o classify
 *   ./classify examples/data/crate_mini_input.f32
 *
 * The input file holds batch * CRATE_MINI_INPUT_SIZE floats (NCHW,
 * normalised as the model expects); the batch is the file size divided by
 * that. */
#include "crate_mini.h"

#include <stdio.h>
#include <stdlib.h>

#define TOP 3

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s INPUT.f32\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  long bytes = ftell(f);
  fseek(f, 0, SEEK_SET);
  long per = (long)sizeof(float) * CRATE_MINI_INPUT_SIZE;
  if (bytes <= 0 || bytes % per != 0) {
    fprintf(stderr, "%s: %ld bytes is not a whole number of %ld-byte inputs\n",
            argv[1], bytes, per);
    return 1;
  }
  int64_t batch = bytes / per;
  float *input = malloc(bytes);
  float *logits = malloc(sizeof(float) * batch * CRATE_MINI_OUTPUT_SIZE);
  if (!input || !logits || fread(input, 1, bytes, f) != (size_t)bytes) {
    fprintf(stderr, "%s: cannot read\n", argv[1]);
    return 1;
  }
  fclose(f);

  crate_mini_model *model = NULL;
  if (crate_mini_create(NULL, &model) != CRATE_OK ||
      crate_mini_forward(model, input, batch, logits) != CRATE_OK) {
    fprintf(stderr, "crate_mini: %s\n", crate_mini_last_error(model));
    return 1;
  }
  printf("%s, %lld images\n", crate_mini_version(), (long long)batch);
  for (int64_t b = 0; b < batch; ++b) {
    const float *row = logits + b * CRATE_MINI_OUTPUT_SIZE;
    int used[CRATE_MINI_OUTPUT_SIZE] = {0};
    printf("image %lld: top classes", (long long)b);
    for (int k = 0; k < TOP; ++k) {
      int best = -1;
      for (int c = 0; c < CRATE_MINI_OUTPUT_SIZE; ++c)
        if (!used[c] && (best < 0 || row[c] > row[best]))
          best = c;
      used[best] = 1;
      printf("  %d (logit %.4f)", best, row[best]);
    }
    printf("\n");
  }
  crate_mini_destroy(model);
  free(input);
  free(logits);
  return 0;
}
