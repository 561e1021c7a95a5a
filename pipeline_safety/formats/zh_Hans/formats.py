"""Chinese input formats with ISO first.

Django's zh_Hans locale writes dates into forms as 2027/01/06 (its first
input format). Browsers accept only ISO (2027-01-06) in date inputs, and the
product's rule is that dates in forms round-trip as ISO; so the admin's date
fields, its calendar picker (which writes the first format) and every other
date widget write ISO. The other forms are still read. Display formats
(2027年1月6日) stay Django's.
"""

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2016-09-05'
    "%Y/%m/%d",  # '2016/09/05'
    "%Y年%m月%d日",  # '2016年9月5日'
]

DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",  # '2016-09-05 20:45:29'
    "%Y-%m-%d %H:%M",  # '2016-09-05 20:45'
    "%Y-%m-%d %H:%M:%S.%f",  # '2016-09-05 20:45:29.000200'
    "%Y/%m/%d %H:%M:%S",  # '2016/09/05 20:45:29'
    "%Y/%m/%d %H:%M",  # '2016/09/05 20:45'
    "%Y/%m/%d %H:%M:%S.%f",  # '2016/09/05 20:45:29.000200'
    "%Y年%m月%d日 %H:%M:%S",  # '2016年9月5日 20:45:29'
    "%Y年%m月%d日 %H:%M",  # '2016年9月5日 14:45'
]
