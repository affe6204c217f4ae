"""DIET's prediction through its one concrete TensorFlow function.

Rasa calls its TensorFlow models through the polymorphic ``tf.function``, which matches the inputs against its
signature on every call. The function has one fixed input signature, so its one concrete function is fetched once and
called directly: the same graph on the same inputs, so the same intents and confidences.
"""

from __future__ import annotations

from typing import Any

from keras.utils import tf_utils
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.utils.tensorflow.models import RasaModel

_rasa_predict = RasaModel._rasa_predict
CONCRETE_ATTRIBUTE = "_nimbus_concrete_predict"


def rasa_predict(self: RasaModel, batch_in: Any) -> dict[str, Any]:
    """Drop-in for ``RasaModel._rasa_predict`` that calls the prediction graph's concrete function."""
    if self._run_eagerly or self._tf_predict_step is None:
        return _rasa_predict(self, batch_in)  # the first call prepares the model and builds the tf.function
    concrete = self.__dict__.get(CONCRETE_ATTRIBUTE)
    if concrete is None:
        # Set through __dict__: Keras would otherwise track the attribute as part of the model.
        concrete = self.__dict__[CONCRETE_ATTRIBUTE] = self._tf_predict_step.get_concrete_function()
    self._training = False
    outputs: dict[str, Any] = tf_utils.sync_to_numpy_or_python_type(concrete(batch_in))
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = self._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


def install() -> None:
    RasaModel._rasa_predict = rasa_predict
