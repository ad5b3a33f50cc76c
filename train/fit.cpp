// fit(): the packaged training loop.
#include <xgrad/detail/format.h>
#include <cstdio>

#include <xgrad/autograd.h>
#include <xgrad/data/dataset.h>
#include <xgrad/nn/losses.h>
#include <xgrad/ops.h>
#include <xgrad/train/fit.h>
#include <xgrad/train/graphed_step.h>

namespace xg::train {

namespace {

// Loss (and accuracy) of the whole set, evaluated without a graph in evaluation mode.
std::pair<double, double> evaluate(nn::Module& model, const LossFn& loss, const Tensor& x, const Tensor& y, bool acc) {
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  const Tensor p = model(x);
  const double l = loss(p, y).item();
  const double a = acc ? nn::accuracy(p, y) : 0.0;
  model.train(was_training);
  return {l, a};
}

}  // namespace

History fit(nn::Module& model, optim::Optimizer& optimizer, const LossFn& loss, const Tensor& x, const Tensor& y,
            const FitOptions& o) {
  if (o.epochs <= 0) fail("fit: epochs must be positive, got ", o.epochs);
  const bool validate = o.x_val.defined();
  if (validate != o.y_val.defined()) fail("fit: give both x_val and y_val, or neither");
  data::TensorDataset train(x, y);
  data::DataLoader loader(train, o.batch_size, data::DataLoaderOptions().seed(o.seed));
  History h;
  double best = 0;
  int since_best = 0;
  NamedTensors best_state;
  const auto step = [&](const tensor_list& batch) {
    Tensor l = loss(model(batch[0]), batch[1]);
    optimizer.zero_grad();
    l.backward();
    optimizer.step();
    return tensor_list{l};
  };
  GraphedStep graphed(step);  // with o.graph: captured per batch shape, then replayed
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    model.train();
    double total = 0;
    std::int64_t seen = 0;
    for (auto [xb, yb] : loader) {
      const Tensor l = (o.graph ? graphed({xb, yb}) : step({xb, yb}))[0];
      total += l.item() * static_cast<double>(xb.size(0));
      seen += xb.size(0);
    }
    h.loss.push_back(total / static_cast<double>(seen));
    if (o.accuracy) h.accuracy.push_back(evaluate(model, loss, x, y, true).second);
    if (validate) {
      const auto [vl, va] = evaluate(model, loss, o.x_val, o.y_val, o.accuracy);
      h.val_loss.push_back(vl);
      if (o.accuracy) h.val_accuracy.push_back(va);
    }
    const double monitored = validate ? h.val_loss.back() : h.loss.back();
    if (h.best_epoch < 0 || monitored < best) {
      best = monitored;
      h.best_epoch = epoch;
      since_best = 0;
      if (o.patience > 0 && o.restore_best) {
        best_state.clear();
        for (const auto& [name, t] : model.state()) best_state.emplace_back(name, t.detach().clone());
      }
    } else {
      ++since_best;
    }
    if (o.verbose) {
      std::printf("epoch %d/%d  loss %.4f", epoch + 1, o.epochs, h.loss.back());
      if (o.accuracy) std::printf("  accuracy %.4f", h.accuracy.back());
      if (validate) std::printf("  val_loss %.4f", h.val_loss.back());
      if (validate && o.accuracy) std::printf("  val_accuracy %.4f", h.val_accuracy.back());
      std::printf("\n");
    }
    bool go_on = true;
    for (const auto& cb : o.callbacks) go_on = cb(epoch, h) && go_on;
    if (o.patience > 0 && since_best >= o.patience) {
      h.stopped_early = true;
      go_on = false;
    }
    if (!go_on) break;
  }
  if (o.patience > 0 && o.restore_best && !best_state.empty())
    for (const auto& [name, t] : best_state) model.set_parameter(name, t);
  return h;
}

}  // namespace xg::train
