# captcha: see its files
