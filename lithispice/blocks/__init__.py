"""Reusable behavioral circuit blocks (DESIGN 4.5), each a SpiceDevice for ``Chip.add``.

* :class:`OpAmp` (finite gain, GBW as one pole, slew rate, rails from its supply pins,
  quiescent current from the supply, input resistance, bias current, offset), its unity-gain
  :class:`Buffer` (``OpAmp().follower()``) and an :class:`InstrumentationAmp`;
* :class:`SampleHold` and the N-bit :class:`ADC` (sample-and-hold + quantizer + register);
* :class:`Heater` (resistor -> thermal RC -> temperature node in K);
* :class:`LDO` (regulator with enable) and :class:`Switch`.

Node voltages stand for non-electrical quantities where a block says so: a temperature node
is 1 V per K, an ADC code output 1 V per count.
"""
from .adc import ADC, SampleHold
from .heater import Heater
from .opamp import Buffer, InstrumentationAmp, OpAmp
from .power import LDO, Switch

__all__ = ["OpAmp", "Buffer", "InstrumentationAmp", "SampleHold", "ADC", "Heater", "LDO",
           "Switch"]
