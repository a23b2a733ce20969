"""A shallow copy of a plain object at a quarter of copy.copy's cost."""


def shallow_copy(obj):
    """What copy.copy makes of an object whose state is its __dict__: a new object sharing its attributes.

    copy.copy goes through __reduce_ex__ and copyreg for each object: 0.14 ms
    for the check-in answer's 22 DRF fields against 0.034 ms this way. Used for
    the fields (and widgets) that the check-in's serializers and form build
    once and copy per request. Only for classes with no __slots__ and no
    __copy__ of their own, where the two are the same; the tests check each
    class this is used on.
    """
    clone = object.__new__(type(obj))
    clone.__dict__.update(obj.__dict__)
    return clone
