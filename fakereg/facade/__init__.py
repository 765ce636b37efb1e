"""The methods of :class:`~fakereg.FakeRegistry`, by what they are for: plain methods that
hand each call to the part of a started registry (or the long-lived observer) that owns the
state. ``FakeRegistry`` is made of these and of its own lifecycle and addresses."""
