// xgrad: the one header users include. Light by design: no xtensor or BLAS header is
// reachable from here, so a user's file compiles in about a second.
#pragma once

#include <xgrad/autograd.h>
#include <xgrad/data/csv.h>
#include <xgrad/data/dataset.h>
#include <xgrad/data/mnist.h>
#include <xgrad/data/plot.h>
#include <xgrad/dist.h>
#include <xgrad/dtype.h>
#include <xgrad/error.h>
#include <xgrad/gradcheck.h>
#include <xgrad/graphviz.h>
#include <xgrad/nn/conv.h>
#include <xgrad/nn/functional.h>
#include <xgrad/nn/init.h>
#include <xgrad/nn/layers.h>
#include <xgrad/nn/losses.h>
#include <xgrad/nn/module.h>
#include <xgrad/nn/options.h>
#include <xgrad/nn/recurrent.h>
#include <xgrad/nn/attention.h>
#include <xgrad/nn/transformer.h>
#include <xgrad/nn/save.h>
#include <xgrad/nn/summary.h>
#include <xgrad/npz.h>
#include <xgrad/ops.h>
#include <xgrad/optim/clip.h>
#include <xgrad/optim/optimizer.h>
#include <xgrad/optim/optimizers.h>
#include <xgrad/optim/schedulers.h>
#include <xgrad/random.h>
#include <xgrad/tensor.h>
#include <xgrad/train/fit.h>
#include <xgrad/train/progress.h>
#include <xgrad/viz.h>
