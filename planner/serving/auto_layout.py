"""The layout a plan opens on when nobody chose one: the hardware's, or the best that fits.

First choice: TP = GPUs per node x PP = nodes, the CLI's default (cli.inputs.parallel_layout),
which uses every GPU and keeps tensor parallelism inside a node. When vLLM refuses it, or it
does not fit, every valid layout is planned and the one picked is the first of: fits, uses
the most GPUs, keeps TP inside a node, larger TP, the wanted EP choice, longest ceiling.
"""

from __future__ import annotations

from planner.model.quant import QuantScheme
from planner.model.spec import ModelSpec
from planner.serving.engine import EngineSettings
from planner.serving.hardware import ClusterSpec
from planner.serving.layout import ParallelLayout, layout_errors
from planner.serving.plan import summary_figures
from planner.serving.sweep import layout_candidates


def _with_ep(spec: ModelSpec, tp: int, pp: int, ep: bool) -> ParallelLayout:
    """(tp, pp) with EP where it means something: routed experts over more than one rank."""
    return ParallelLayout(tp=tp, pp=pp, ep=ep and spec.is_moe and tp > 1)


def auto_layout(spec: ModelSpec, cluster: ClusterSpec, held: QuantScheme,
                engine: EngineSettings, *, ep: bool) -> ParallelLayout | None:
    """The default layout of `spec` on `cluster` in weight format `held` (None: no valid
    layout at all). `ep` is the wanted expert-parallel choice, kept where valid."""
    gpn = cluster.gpus_per_node
    first = _with_ep(spec, gpn, len(cluster.nodes), ep)
    if (not layout_errors(spec, cluster, first, held)
            and summary_figures(spec, cluster, first, engine, validated=True)["fits"]):
        return first
    valid = [lay for lay in layout_candidates(spec, cluster)
             if not layout_errors(spec, cluster, lay, held)]
    if not valid:
        return None
    figures = {lay: summary_figures(spec, cluster, lay, engine, validated=True)
               for lay in valid}
    wanted_ep = {lay: lay == _with_ep(spec, lay.tp, lay.pp, ep) for lay in valid}
    return min(valid, key=lambda lay: (
        not figures[lay]["fits"], -lay.gpus, lay.tp > gpn, -lay.tp, not wanted_ep[lay],
        -figures[lay]["max_context_tokens"]))
