// xgrad: the one header users include. Light by design: no xtensor or BLAS header is
// reachable from here, so a user's file compiles in about a second.
#pragma once

#include <xgrad/autograd.h>
#include <xgrad/dtype.h>
#include <xgrad/error.h>
#include <xgrad/gradcheck.h>
#include <xgrad/ops.h>
#include <xgrad/random.h>
#include <xgrad/tensor.h>
