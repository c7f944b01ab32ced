"""Record the model types the installed transformers has a config class for.

    python tools/extract_transformers_model_types.py   # writes planner/serving/vllm_cli/

The keys of transformers.models.auto.configuration_auto.CONFIG_MAPPING_NAMES, with the
version read. vLLM reads a config through AutoConfig.from_pretrained(trust_remote_code=...)
unless its own _CONFIG_REGISTRY has the model type (transformers_utils/config.py get_config):
a config whose auto_map names an AutoConfig class and whose model_type is in neither loads
only with --trust-remote-code (planner.serving.launch.remote_code_class). Model types only
get added, so the newest transformers read is an upper bound of what any vLLM release's
transformers knows: a type missing here is missing there too.
"""

import json
from pathlib import Path

import transformers
from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

OUT = Path(__file__).resolve().parents[1] / "planner" / "serving" / "vllm_cli" / \
    "transformers-model-types.json"


def main() -> int:
    data = {"transformers_version": transformers.__version__,
            "source": "transformers.models.auto.configuration_auto.CONFIG_MAPPING_NAMES",
            "model_types": sorted(CONFIG_MAPPING_NAMES)}
    OUT.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(data['model_types'])} model types, transformers "
          f"{transformers.__version__}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
